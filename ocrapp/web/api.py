"""The `/api` blueprint: one bearer-token check for every part of the API beneath it."""

from flask_openapi3 import APIBlueprint

from ocrapp.web import admin, downloads, pages, tasks, tickets, tokens, webhooks
from ocrapp.web.auth import authenticate

bp = APIBlueprint("api", __name__, url_prefix="/api")
bp.before_request(authenticate)
for part in (tasks.bp, pages.bp, downloads.bp, tokens.bp, tickets.bp, admin.bp, webhooks.bp):
    bp.register_api(part)
