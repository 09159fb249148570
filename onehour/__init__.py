"""onehour: courier dispatch and routing for same-hour delivery."""
