"""The Celery app, built from the Flask config, and the one call that enqueues OCR work."""

from celery import Celery, Task
from flask import Flask, current_app

from ocrapp.config import celery_settings

OCR_TASK_NAME = "ocrapp.recognize_file"


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app from the Flask config; its tasks run in an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.set_default()
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app
    return celery_app


def time_limit(page_count: int) -> int:
    """Return the seconds a task of `page_count` pages may run before it is stopped."""
    config = current_app.config
    return config["TASK_TIME_LIMIT_BASE"] + config["TASK_TIME_LIMIT_PER_PAGE"] * page_count


def enqueue_ocr(task_id: str, page_count: int) -> None:
    """Send the OCR task for `task_id`; the row must be committed already."""
    current_app.extensions["celery"].send_task(
        OCR_TASK_NAME, args=[task_id], task_id=task_id, time_limit=time_limit(page_count)
    )
