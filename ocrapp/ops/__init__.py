"""Running the service: health probes, Prometheus metrics, statistics and logs."""
