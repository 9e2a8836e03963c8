"""Response headers every answer carries, and CORS: closed unless origins are configured."""

from flask import Flask, g, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ocrapp.realtime import socket
from ocrapp.realtime.handshake import credentials_sent, handshake_caller
from ocrapp.web.auth import caller_id
from ocrapp.web.rate_counts import storage_uri

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
    """Count requests per user, whichever token (or ticket) they use; per address without a
    live one."""
    user_id = handshake_caller() if request.blueprint == socket.bp.name else caller_id()
    return f"user:{user_id}" if user_id is not None else address_key()


def address_key() -> str:
    """Count requests per client address."""
    return f"address:{get_remote_address()}"


def not_limited() -> bool:
    """Health probes, metrics and the docs are not rate limited; /api and /ws are."""
    return not (request.path.startswith("/api/") or request.blueprint == socket.bp.name)


def init_app(app: Flask) -> None:
    """Add the security headers, the rate limit, and CORS for `CORS_ORIGINS` only."""

    @app.after_request
    def add_security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Flask-Limiter's hook, which runs before this one, sets Retry-After on every answer
        # to its window's reset, or the view's if later: a view's suggestion is its own.
        if "retry_after" in g:
            response.headers["Retry-After"] = str(g.retry_after)
        elif response.status_code not in (429, 503):
            # Only where waiting helps: clients (urllib3's Retry among them) retry a 413
            # that carries one, sending a refused upload again and again.
            response.headers.pop("Retry-After", None)
        return response

    if app.config["RATE_LIMIT"] or app.config["WS_ANONYMOUS_RATE_LIMIT"]:
        init_rate_limits(app)

    if app.config["CORS_ORIGINS"]:
        CORS(
            app,
            origins=app.config["CORS_ORIGINS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=[
                "Content-Disposition",
                "Content-Range",
                "ETag",
                "Idempotent-Replayed",
                "Location",
                "Retry-After",
            ],
            max_age=600,
        )


def init_rate_limits(app: Flask) -> None:
    """Limit /api and /ws per user (`RATE_LIMIT`), and anonymous handshakes per address."""
    limiter = Limiter(
        rate_limit_key,
        app=app,
        # One allowance for all of /api and /ws, not one per route.
        application_limits=[app.config["RATE_LIMIT"]] if app.config["RATE_LIMIT"] else [],
        storage_uri=storage_uri(app.config["REDIS_URL"]),
        # Deployments (and test stacks) sharing a Redis count apart, as their events do.
        key_prefix=app.config["EVENT_NAMESPACE"],
        headers_enabled=True,
        # With Redis away, uploads still go to the outbox: the limit fails open.
        swallow_errors=True,
    )
    limiter.request_filter(not_limited)
    if app.config["WS_ANONYMOUS_RATE_LIMIT"]:
        # Such a socket holds a greenlet for WS_AUTH_TIMEOUT before anyone is known.
        limiter.limit(
            app.config["WS_ANONYMOUS_RATE_LIMIT"],
            key_func=address_key,
            exempt_when=credentials_sent,
            override_defaults=False,
        )(socket.bp)
