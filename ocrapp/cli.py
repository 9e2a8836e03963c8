"""The `ocrapp` command: migrations, storage, users; and (from ocrapp.client) using a server."""

import logging
import sys
import time
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ocrapp import create_app
from ocrapp.client.commands import COMMANDS as CLIENT_COMMANDS
from ocrapp.core import deletion
from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, User
from ocrapp.core.storage import get_storage
from ocrapp.core.tokens import create_user, issue_token, revoke_with_descendants, token_is_live
from ocrapp.settings_reference import replace_generated, settings_markdown
from ocrapp.webapp.passwords import set_password
from ocrapp.webapp.sessions import end_browser_sessions

log = logging.getLogger(__name__)
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """Run and use the ocrapp OCR service."""


def alembic_config(url: str) -> AlembicConfig:
    """Return the Alembic configuration for the database at `url`."""
    config = AlembicConfig(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # The app's logging stays (JSON lines): alembic.ini's would replace it (alembic/env.py).
    config.attributes["configure_logging"] = False
    return config


@cli.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command()
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest); on a later release's schema
    (a rollback), change nothing."""
    config = alembic_config(current_app.config["DATABASE_URL"])
    current = _schema_revisions()
    if revision == "head" and _later_release(current, ScriptDirectory.from_config(config)):
        log.warning("schema at %s, a later release's: left as it is", ", ".join(sorted(current)))
        return
    command.upgrade(config, revision)


@db_group.command()
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' for an empty database)."""
    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command()
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait at most.")
@with_appcontext
def wait(timeout: float) -> None:
    """Wait until the schema is at this release's newest migration, or a later release's
    (a container's start, where a separate job migrates; a migration suits the code before
    it); exit 1 if it is not within TIMEOUT seconds."""
    script = ScriptDirectory.from_config(alembic_config(""))
    newest = set(script.get_heads())
    deadline = time.monotonic() + timeout
    while (current := _schema_revisions()) != newest and not _later_release(current, script):
        if time.monotonic() >= deadline:
            found = ", ".join(sorted(current)) or "no revision"
            raise click.ClickException(f"The schema is at {found}, not {', '.join(newest)}.")
        time.sleep(2)
    if current == newest:
        log.info("schema ready: %s", ", ".join(sorted(newest)))
    else:  # a rollback, or an old pod started during a rollout
        log.warning("schema at %s, a later release's: starting on it", ", ".join(sorted(current)))


def _later_release(revisions: set[str], script: ScriptDirectory) -> bool:
    """Whether the schema is at revisions this release does not know: a later one's."""
    return bool(revisions) and not any(_known(script, revision) for revision in revisions)


def _known(script: ScriptDirectory, revision: str) -> bool:
    """Whether `revision` is one of this release's migrations."""
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _schema_revisions() -> set[str]:
    """Return the database's migration revisions; none while it cannot be reached."""
    try:
        with db.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError:
        return set()


@cli.group("storage")
def storage_group() -> None:
    """Manage object storage."""


@storage_group.command("init")
@with_appcontext
def storage_init() -> None:
    """Create the storage folder or bucket if it does not exist."""
    get_storage(current_app.config).init()
    log.info("storage ready: %s", current_app.config["STORAGE_URL"])


@cli.group("settings")
def settings_group() -> None:
    """Describe the settings read from the environment."""


@settings_group.command("docs")
@click.option(
    "--write",
    "document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Replace the generated part of this Markdown file instead of printing.",
)
def settings_docs(document: Path | None) -> None:
    """Print every setting as Markdown tables (docs/configuration.md's generated part)."""
    if document is None:
        click.echo(settings_markdown(), nl=False)
        return
    document.write_text(replace_generated(document.read_text(), settings_markdown()))


@cli.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="May list every user and task.")
@click.option("--priority", is_flag=True, help="Tasks go to the priority queue.")
@click.option("--password-stdin", is_flag=True, help="Read a web app password from standard input.")
@with_appcontext
def users_create(email: str, admin: bool, priority: bool, password_stdin: bool) -> None:
    """Create a user and print its API token (shown only once) as the last line."""
    password = _read_password(True) if password_stdin else None
    try:
        with db.session() as session:
            user, token = create_user(session, email, admin=admin)
            user.priority = priority
            if password is not None:
                _set_password(user, password)
            user_id = user.id
    except IntegrityError as error:
        raise click.ClickException(f"a user {email} exists already") from error
    role = "admin" if admin else "user"
    click.echo(f"Created {role} {user_id} <{email}>. API token (shown only once):", err=True)
    click.echo(token)


@users_group.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read it from standard input.")
@with_appcontext
def users_password(email: str, password_stdin: bool) -> None:
    """Set EMAIL's password for the web app; their browser sessions end."""
    password = _read_password(password_stdin)
    with db.session() as session:
        user = _user(session, email)
        _set_password(user, password)
        ended = end_browser_sessions(session, user)
    click.echo(f"Password set for {email}; {ended} browser sessions ended.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _set_password(user: User, password: str) -> None:
    try:
        set_password(user, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


@users_group.command("priority")
@click.argument("email")
@click.argument("state", type=click.Choice(["on", "off"]))
@with_appcontext
def users_priority(email: str, state: str) -> None:
    """Send EMAIL's new tasks to the priority queue (on), or as their size says (off)."""
    with db.session() as session:
        _user(session, email).priority = state == "on"
    click.echo(f"Priority {state} for {email}.")


@users_group.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def users_delete(email: str, yes: bool) -> None:
    """Delete EMAIL with every task, file and result they kept, their tokens and webhooks."""
    with db.session() as session:
        user_id = _user(session, email).id
    if not yes:
        click.confirm(f"Delete {email} and everything they kept?", abort=True, err=True)
    try:
        deleted = deletion.delete_user(user_id)
    except deletion.StorageUnavailable as error:
        raise click.ClickException(
            f"the file storage failed ({error}): {email} is kept; run this again"
        ) from error
    click.echo(f"Deleted {email}: {deleted or 0} tasks and their files.")


@cli.group("tokens")
def tokens_group() -> None:
    """Manage API tokens: create, list, revoke."""


def _user(session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default="token", show_default=True)
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Expire after N days.")
@with_appcontext
def tokens_create(email: str, name: str, expires_days: int | None) -> None:
    """Create a token for EMAIL and print it (shown only once) as the last line."""
    with db.session() as session:
        token, secret = issue_token(session, _user(session, email), name, expires_days)
        click.echo(f"Token {token.prefix}... ({name}) for <{email}>:", err=True)
    click.echo(secret)


@tokens_group.command("list")
@click.argument("email")
@with_appcontext
def tokens_list(email: str) -> None:
    """List the tokens of EMAIL by prefix, without their secrets."""
    with db.session() as session:
        for token in _user(session, email).tokens:
            state = "live" if token_is_live(token) else "revoked or expired"
            click.echo(
                f"{token.prefix}...  {token.name}  {state}  created {token.created_at:%Y-%m-%d}"
            )


@tokens_group.command("revoke")
@click.argument("prefix")
@click.option("--user", "email", help="Only that user's tokens (for `ocr_unknown` tokens).")
@with_appcontext
def tokens_revoke(prefix: str, email: str | None) -> None:
    """Revoke the token starting with PREFIX (as `tokens list` shows it) and those it made."""
    with db.session() as session:
        query = select(ApiToken).where(ApiToken.prefix == prefix[:12])
        if email:
            query = query.where(ApiToken.user == _user(session, email))
        tokens = session.scalars(query).all()
        if len(tokens) != 1:
            raise click.ClickException(
                f"{len(tokens)} tokens match {prefix!r}; give its prefix, and --user EMAIL"
            )
        revoked = revoke_with_descendants(session, tokens[0])
    made = f", and {revoked - 1} tokens made from it" if revoked > 1 else ""
    click.echo(f"Revoked {prefix[:12]}...{made}")


for client_command in CLIENT_COMMANDS:
    cli.add_command(client_command)
