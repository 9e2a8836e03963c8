"""The app factory: the Flask app built from the settings, with every part registered."""

from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import UUIDConverter

from ocrapp.config import Settings
from ocrapp.core.db import db
from ocrapp.core.jobs import celery_init_app
from ocrapp.ops import health, logs, metrics
from ocrapp.realtime import socket
from ocrapp.realtime.hub import hub
from ocrapp.web import api, docs, security
from ocrapp.web.body_deadline import BodyDeadline
from ocrapp.web.errors import register_error_handlers
from ocrapp.web.openapi import ApiApp
from ocrapp.webapp import init_app as init_webapp


class TaskIdConverter(UUIDConverter):
    """A task id in a URL: a UUID, handed to views as its text."""

    def to_python(self, value: str) -> str:
        return str(super().to_python(value))


def create_app(test_config: dict[str, Any] | None = None) -> ApiApp:
    """Build the Flask app from the environment's `Settings`, `test_config` overriding any."""
    settings = Settings()
    app = ApiApp(__name__, instance_path=str(settings.INSTANCE_DIR))
    app.config.update(settings.flask_config())
    if test_config:
        app.config.update(test_config)
    # The client's address from the X-Forwarded-For of TRUSTED_PROXIES proxies (0: none).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=0)
    app.wsgi_app = BodyDeadline(app.wsgi_app, app.config["REQUEST_BODY_TIMEOUT"])
    logs.init_app(app)
    app.url_map.converters["task_id"] = TaskIdConverter
    db.init_app(app)
    celery_init_app(app)
    hub.init_app(app)
    socket.sock.init_app(app)
    app.register_api(api.bp)
    docs.init_app(app)
    init_webapp(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(socket.bp)
    register_error_handlers(app)
    security.init_app(app)
    metrics.init_app(app)
    return app
