"""Alembic migrations on a real PostgreSQL database."""

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from ocrapp.cli import alembic_config
from ocrapp.core.db import make_engine
from ocrapp.core.tokens import create_user, issue_token
from tests.conftest import TEST_DATABASE
from tests.stack import recreate_database

TABLES = {
    "users",
    "api_tokens",
    "files",
    "tasks",
    "task_pages",
    "results",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "task_ranges",
    "alembic_version",
}


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_postgresql(postgres_server):
    url = recreate_database(postgres_server, f"{TEST_DATABASE}_migrations")
    config = alembic_config(url)
    command.upgrade(config, "head")
    assert table_names(url) == TABLES
    command.downgrade(config, "base")
    assert table_names(url) == {"alembic_version"}
    command.upgrade(config, "head")
    assert table_names(url) == TABLES


def test_models_match_the_migrations(database_url):
    command.check(alembic_config(database_url))


def test_one_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_migrations_keep_the_data_on_sqlite(tmp_path):
    """SQLite rebuilds tables to alter them: nothing that refers to them may be lost."""
    url = f"sqlite:///{tmp_path / 'kept.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        user, _ = create_user(session, "kept@example.com")
        user_id = user.id
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO files (id, user_id, original_filename, stored_filename, file_type,"
                " content_type, storage_key, size_bytes, sha256, created_at) VALUES ('f1', :user,"
                " 'a.png', 'f1.png', 'image', 'image/png', 'k', 1, 'x', CURRENT_TIMESTAMP)"
            ),
            {"user": user_id},
        )
    engine.dispose()
    command.downgrade(config, "0003")
    command.upgrade(config, "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("users", "api_tokens", "files")
        ]
    engine.dispose()
    assert counts == [1, 1, 1]


def test_token_parents_and_stored_sizes_go_down_and_up_again(postgres_server, tmp_path):
    """0008 on both databases: the tokens are kept without their parents, sizes dropped."""
    postgres = recreate_database(postgres_server, f"{TEST_DATABASE}_migrations")
    for url in (postgres, f"sqlite:///{tmp_path / 'tokens.sqlite3'}"):
        config = alembic_config(url)
        command.upgrade(config, "head")
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            user, _ = create_user(session, "parent@example.com")
            child, _ = issue_token(session, user, "child", parent=user.tokens[0])
            assert child.parent_id == user.tokens[0].id
        engine.dispose()
        command.downgrade(config, "0007")
        assert "parent_id" not in column_names(url, "api_tokens")
        assert "size_bytes" not in column_names(url, "results")
        command.upgrade(config, "head")
        assert "parent_id" in column_names(url, "api_tokens")
        assert "size_bytes" in column_names(url, "task_pages")
        engine = make_engine(url)
        with engine.connect() as connection:
            parents = connection.execute(text("SELECT parent_id FROM api_tokens")).all()
        engine.dispose()
        assert parents == [(None,), (None,)]


def column_names(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()
