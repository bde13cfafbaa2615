"""Readers of the latest Snapshot: /metrics, the JSON API, the web console and reports."""
