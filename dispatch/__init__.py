"""The live business: orders, couriers, depots, the assignment loop, the service."""
