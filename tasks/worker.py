"""Worker entry point: `celery -A tasks.worker worker`."""

import tasks.logging_setup  # noqa: F401  (JSON logs: connected before Celery sets up logging)
from ocrapp import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
