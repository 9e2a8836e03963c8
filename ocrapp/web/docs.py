"""The API reference: the OpenAPI document at /openapi.json, read with Redoc at /docs.

Redoc's script comes in the flask-openapi3-redoc wheel and is served from here, so the
page works without the internet; it needs no token, as the document holds no data.
"""

from pathlib import Path

import flask_openapi3_redoc
from flask import Blueprint, Flask, current_app, jsonify, render_template_string

from ocrapp.web.reference import api_docs_command

REDOC = Path(flask_openapi3_redoc.__file__).parent / "templates" / "redoc"
bp = Blueprint("docs", __name__, static_folder=REDOC, static_url_path="/docs/assets")
# Only /docs runs a script (Redoc's, from here); it styles itself inline, fetches the
# document and searches in a worker that it starts from a blob: URL.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ocrapp API</title>
<link rel="icon" href="{{ url_for('docs.static', filename='images/redoc.svg') }}">
</head>
<body>
<redoc spec-url="{{ url_for('docs.openapi_document') }}"></redoc>
<script src="{{ url_for('docs.static', filename='js/redoc.standalone.js') }}"></script>
</body>
</html>
"""


@bp.get("/openapi.json")
def openapi_document():
    """Return the OpenAPI 3.1 document of the API."""
    return jsonify(current_app.api_doc)


@bp.get("/docs")
def reference():
    """Show the API reference, read from /openapi.json by Redoc."""
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": DOCS_POLICY}
    return render_template_string(PAGE), 200, headers


def init_app(app: Flask) -> None:
    """Serve the document and its reference page; add `ocrapp api-docs`."""
    app.register_blueprint(bp)
    app.cli.add_command(api_docs_command)
