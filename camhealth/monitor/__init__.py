"""The running service: the pipeline from the registry to the Snapshot, and what it stores."""
