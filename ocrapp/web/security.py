"""Response headers every answer carries, and CORS: closed unless origins are configured."""

from flask import Flask, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ocrapp.web.auth import caller_id

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # JSON needs nothing; the HTML result needs its inline style, and nothing else.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def rate_limit_key() -> str:
    """Count requests per user, whichever token they use; per address without a live one."""
    user_id = caller_id()
    return f"user:{user_id}" if user_id is not None else f"address:{get_remote_address()}"


def outside_api() -> bool:
    """Health probes and the WebSocket handshake are not rate limited; /api is."""
    return not request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Add the security headers, the rate limit, and CORS for `CORS_ORIGINS` only."""

    @app.after_request
    def add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    if app.config["RATE_LIMIT"]:
        limiter = Limiter(
            rate_limit_key,
            app=app,
            # One allowance for all of /api, not one per route.
            application_limits=[app.config["RATE_LIMIT"]],
            storage_uri=app.config["REDIS_URL"],
            headers_enabled=True,
            # With Redis away, uploads still go to the outbox: the limit fails open.
            swallow_errors=True,
        )
        limiter.request_filter(outside_api)

    if app.config["CORS_ORIGINS"]:
        CORS(
            app,
            origins=app.config["CORS_ORIGINS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Content-Disposition", "Idempotent-Replayed"],
            max_age=600,
        )
