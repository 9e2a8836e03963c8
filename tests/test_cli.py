"""The `ocrapp` command, run as a user runs it, on the embedded defaults."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack import BIN

# Not in the quick tier: each `ocrapp` process takes a second or two to start.
pytestmark = pytest.mark.services
OCRAPP = BIN / "ocrapp"


def run(instance: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCRAPP_INSTANCE_DIR": str(instance)}
    for name in ("DATABASE_URL", "STORAGE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [OCRAPP, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_users_create_prints_the_token_last_and_refuses_a_duplicate(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    created = run(tmp_path, "users", "create", "alice@example.com")
    assert created.returncode == 0
    token = created.stdout.splitlines()[-1]
    assert len(token) >= 43 and " " not in token
    assert (tmp_path / "ocrapp.sqlite3").exists()
    again = run(tmp_path, "users", "create", "alice@example.com")
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_tokens_are_created_listed_by_prefix_and_revoked(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "users", "create", "--admin", "root@example.com").returncode == 0
    made = run(
        tmp_path, "tokens", "create", "root@example.com", "--name", "ci", "--expires-days", "7"
    )
    secret = made.stdout.splitlines()[-1]
    listed = run(tmp_path, "tokens", "list", "root@example.com").stdout
    assert f"{secret[:12]}...  ci  live" in listed and secret not in listed
    assert run(tmp_path, "tokens", "revoke", secret[:12]).returncode == 0
    listed = run(tmp_path, "tokens", "list", "root@example.com").stdout
    assert f"{secret[:12]}...  ci  revoked or expired" in listed
    assert run(tmp_path, "tokens", "list", "nobody@example.com").returncode == 1


def test_a_user_is_made_a_priority_user_and_back(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "users", "create", "--priority", "vip@example.com").returncode == 0
    with sqlite3.connect(tmp_path / "ocrapp.sqlite3") as database:
        query = "SELECT priority FROM users WHERE email = 'vip@example.com'"
        assert database.execute(query).fetchone() == (1,)
        assert run(tmp_path, "users", "priority", "vip@example.com", "off").returncode == 0
        assert database.execute(query).fetchone() == (0,)


def test_tokens_from_before_prefixes_are_revoked_per_user(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    for email in ("a@example.com", "b@example.com"):
        assert run(tmp_path, "users", "create", email).returncode == 0
    with sqlite3.connect(tmp_path / "ocrapp.sqlite3") as database:  # as migration 0006 left them
        database.execute("UPDATE api_tokens SET prefix = 'ocr_unknown'")
    ambiguous = run(tmp_path, "tokens", "revoke", "ocr_unknown")
    assert ambiguous.returncode == 1 and "2 tokens match" in ambiguous.stderr
    assert (
        run(tmp_path, "tokens", "revoke", "ocr_unknown", "--user", "a@example.com").returncode == 0
    )
    assert "revoked" in run(tmp_path, "tokens", "list", "a@example.com").stdout
    assert "live" in run(tmp_path, "tokens", "list", "b@example.com").stdout


def test_the_web_side_never_imports_torch():
    code = (
        "import sys, ocrapp, ocrapp.cli, ocrapp.web.tasks, ocrapp.realtime.socket; "
        "ocrapp.create_app(); "
        "sys.exit('torch' in sys.modules or 'easyocr' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_users_password_sets_a_password_from_stdin_and_refuses_a_short_one(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    email = "dora@example.com"
    created = run(tmp_path, "users", "create", email, "--password-stdin", stdin="first one!!\n")
    assert created.returncode == 0
    changed = run(tmp_path, "users", "password", email, "--password-stdin", stdin="second one!\n")
    assert changed.returncode == 0 and "Password set" in changed.stdout
    short = run(tmp_path, "users", "password", email, "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    stored = sqlite3.connect(tmp_path / "ocrapp.sqlite3").execute("SELECT password_hash FROM users")
    assert stored.fetchone()[0].startswith("$argon2id$")


def test_db_wait_answers_once_the_schema_is_at_the_newest_migration(tmp_path):
    waiting = run(tmp_path, "db", "wait", "--timeout", "0")
    assert waiting.returncode == 1
    assert "The schema is at no revision" in waiting.stderr
    assert run(tmp_path, "db", "upgrade").returncode == 0
    ready = run(tmp_path, "db", "wait", "--timeout", "0")
    assert ready.returncode == 0
    (line,) = [json.loads(line) for line in ready.stderr.splitlines() if "schema ready" in line]
    assert line["logger"] == "ocrapp.cli" and line["message"].startswith("schema ready: ")


def test_db_wait_starts_on_a_later_releases_schema_not_on_an_older_one(tmp_path):
    # After a rollback, or for an old pod during a rollout: the schema is ahead of the code.
    assert run(tmp_path, "db", "upgrade").returncode == 0
    database = sqlite3.connect(tmp_path / "ocrapp.sqlite3")
    with database:
        database.execute("UPDATE alembic_version SET version_num = '9999_later'")
    ahead = run(tmp_path, "db", "wait", "--timeout", "0")
    assert ahead.returncode == 0, ahead.stderr
    assert "schema at 9999_later, a later release's" in ahead.stderr
    upgraded = run(tmp_path, "db", "upgrade")  # the Procfile's web line, as compose runs it
    assert upgraded.returncode == 0, upgraded.stderr
    assert "a later release's: left as it is" in upgraded.stderr
    with database:
        database.execute("UPDATE alembic_version SET version_num = '0001'")
    behind = run(tmp_path, "db", "wait", "--timeout", "0")
    assert behind.returncode == 1 and "The schema is at 0001, not" in behind.stderr


def test_users_delete_asks_first_then_deletes_the_user(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert run(tmp_path, "users", "create", "gone@example.com").returncode == 0
    users = lambda: sqlite3.connect(tmp_path / "ocrapp.sqlite3").execute(  # noqa: E731
        "SELECT email FROM users"
    )

    declined = run(tmp_path, "users", "delete", "gone@example.com", stdin="n\n")
    assert declined.returncode == 1 and users().fetchall() == [("gone@example.com",)]
    deleted = run(tmp_path, "users", "delete", "gone@example.com", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert "Deleted gone@example.com: 0 tasks" in deleted.stdout
    assert users().fetchall() == []
    unknown = run(tmp_path, "users", "delete", "gone@example.com", "--yes")
    assert unknown.returncode == 1 and "no user gone@example.com" in unknown.stderr
