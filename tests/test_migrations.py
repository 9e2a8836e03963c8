"""Alembic migrations on a real PostgreSQL database."""

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from ocrapp.cli import alembic_config
from tests.conftest import POSTGRES_URL
from tests.stack import recreate_database

TABLES = {"users", "api_tokens", "files", "tasks", "task_pages", "results", "alembic_version"}


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_postgresql():
    url = recreate_database(POSTGRES_URL, "ocrapp_migrations_test")
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
