"""The OCR pipeline: pages of a file, engines, reading order and rendering.

Pure functions over images and bytes: it imports neither Flask, SQLAlchemy nor Celery,
so tests and benchmarks call it directly (`reading.read_image`).
"""
