"""The web app: pages for people (sign in, upload, watch, read), on the same /api and /ws.

Server-rendered Jinja pages and a few ES modules, every asset served from this package:
no CDN, no build step. A signed-in browser holds a session cookie carrying a session
token (an API token of its own, revoked on sign-out); /api and /ws accept it in place of
a bearer token, with a CSRF token on every request that changes something.
"""

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from ocrapp.webapp import views

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register the pages, their assets and the CSRF protection; add `ocrapp users password`."""
    csrf.init_app(app)
    app.register_blueprint(views.bp)
