"""camhealth's Grafana dashboards, generated from this package: ``python -m dashboards.generate``.

The JSON in ``json/`` is committed (Grafana provisions it from there) and a test checks that it
is what this code generates. Plain dictionaries in Grafana's own dashboard schema: the panels
are few and simple, and this keeps the generated JSON readable against Grafana's documentation
without a generator library in between.
"""
