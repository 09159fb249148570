"""Reproducible performance benchmarks, run as `onehour bench NAME`."""
