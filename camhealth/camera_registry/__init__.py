"""Areas and cameras: the only place that knows their database schema."""
