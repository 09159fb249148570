"""Where things are and how long it takes a courier to get there."""
