"""The pages: sign in and out, the task list with uploads, and one task's result."""

import functools
import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from ocrapp.webapp.sessions import (
    check_csrf,
    forgive_attempt,
    sign_in,
    sign_out,
    signed_in_user,
    take_attempt,
)

STATIC = Path(__file__).parent / "static"
# Only the app's own scripts and styles; sockets and fetches to this site; images from
# here and from the page's own blobs (a page drawn from its result).
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class AssetBlueprint(Blueprint):
    """A blueprint whose assets are cached for a year: their URLs carry their content's hash."""

    def get_send_file_max_age(self, filename: str | None) -> int:
        return 365 * 24 * 3600


bp = AssetBlueprint(
    "webapp",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


@functools.cache
def asset_version(filename: str) -> str:
    """A short hash of an asset's content, to put in its URL."""
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:12]


@bp.app_context_processor
def asset_urls() -> dict:
    def asset(filename: str) -> str:
        return url_for("webapp.static", filename=filename, v=asset_version(filename))

    return {"asset": asset}


@bp.after_request
def page_policy(response):
    """Let the pages run the app's own scripts, and nothing else."""
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def signed_in(view):
    """Show the page to a signed-in user; send anyone else to the sign-in page."""

    @functools.wraps(view)
    def wrapper(**kwargs):
        g.person = signed_in_user()
        if g.person is None:
            return redirect(url_for("webapp.signin", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapper


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site, else the task list: no open redirect."""
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("webapp.tasks")


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    """Show the sign-in form; sign in with an email and a password."""
    if request.method == "GET":
        return render_template("webapp/signin.html", next=request.args.get("next", ""))
    check_csrf(request.form.get("csrf_token"))
    email = request.form.get("email", "").strip()
    error, status = None, 200
    if not take_attempt(email):
        error, status = "Too many attempts. Try again in 15 minutes.", 429
    elif sign_in(email, request.form.get("password", "")):
        forgive_attempt(email)
        return redirect(local_path(request.form.get("next")))
    else:
        error, status = "That email and password do not match.", 401
    page = render_template("webapp/signin.html", next=request.form.get("next", ""), error=error)
    return page, status, {"Retry-After": "900"} if status == 429 else {}


@bp.post("/signout")
def signout():
    """Sign out: the session ends here and everywhere its cookie was copied."""
    check_csrf(request.form.get("csrf_token"))
    sign_out()
    return redirect(url_for("webapp.signin"))


@bp.get("/")
@signed_in
def tasks():
    """The task list, with the upload form above it."""
    return render_template("webapp/tasks.html")


@bp.get("/tasks/<task_id:task_id>")
@signed_in
def task(task_id: str):
    """One task: its progress, then its page images with their words, and its text."""
    return render_template("webapp/task.html", task_id=task_id)


@bp.get("/tokens")
@signed_in
def tokens():
    """The user's API tokens: make one (shown once), see them, revoke them."""
    return render_template("webapp/tokens.html")


@bp.get("/service")
@signed_in
def service():
    """For admins: queues, workers, engines and the last hour's work (GET /api/stats)."""
    if not g.person["is_admin"]:
        abort(404)
    return render_template("webapp/service.html")
