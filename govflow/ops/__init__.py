"""Production operations: health and readiness probes, structured logs, Prometheus
metrics and single sign-on. Nothing here changes a case; it observes and admits."""
