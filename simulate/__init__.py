"""Time machine: replays order streams through dispatch and scores the result."""
