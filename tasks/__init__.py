"""The worker side: Celery's entry point, signal handlers, the OCR task and the reaper.

`pipeline/` holds the OCR itself, free of Flask, the database and Celery.
"""
