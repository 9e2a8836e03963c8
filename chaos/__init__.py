"""The chaos run: the whole stack under load while processes and services are killed, then a
check that nothing was lost (`make chaos`, `python -m chaos`)."""
