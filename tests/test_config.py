"""The settings object: read from the environment when asked, and the one source of the docs."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import tasks.ocr  # noqa: F401  registers the OCR task on each Celery app
from ocrapp.cli import cli
from ocrapp.config import Settings
from ocrapp.core.jobs import OCR_TASK_NAME
from ocrapp.settings_reference import DOCS_COMMAND, replace_generated, settings_markdown

ROOT = Path(__file__).resolve().parent.parent
# config["X"], app.config["X"], current_app.config.get("X"), ...
CONFIG_READ = re.compile(r"""config(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]*)["']""")


def test_the_configuration_docs_show_the_settings_object():
    document = (ROOT / "docs" / "configuration.md").read_text()
    assert replace_generated(document, settings_markdown()) == document, (
        f"docs/configuration.md differs from the settings in ocrapp/config.py: run `{DOCS_COMMAND}`"
    )


def test_the_command_prints_the_tables_or_writes_them_between_the_markers(tmp_path):
    assert CliRunner().invoke(cli, ["settings", "docs"]).output == settings_markdown()
    document = tmp_path / "configuration.md"
    document.write_text(
        "# Intro\n<!-- settings:start -->\nstale table\n<!-- settings:end -->\nOutro\n"
    )
    assert CliRunner().invoke(cli, ["settings", "docs", "--write", str(document)]).exit_code == 0
    assert document.read_text() == replace_generated(document.read_text(), settings_markdown())
    assert "stale table" not in document.read_text() and document.read_text().endswith("Outro\n")


def test_every_setting_the_code_reads_is_in_the_settings_object():
    sources = [*(ROOT / "ocrapp").rglob("*.py"), *(ROOT / "tasks").rglob("*.py")]
    read = {name for path in sources for name in CONFIG_READ.findall(path.read_text())}
    assert {"DATABASE_URL", "MAX_ATTEMPTS"} <= read  # the pattern still finds them
    assert read - Settings().flask_config().keys() == set()


def test_settings_are_read_when_asked_not_when_imported(monkeypatch, tmp_path):
    monkeypatch.setenv("OCRAPP_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/3")
    monkeypatch.setenv("MAX_ATTEMPTS", "5")
    config = Settings().flask_config()
    assert config["MAX_ATTEMPTS"] == 5
    assert config["BROKER_URL"] == "redis://elsewhere:6379/3"
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'ocrapp.sqlite3'}"
    assert config["STORAGE_URL"] == (tmp_path / "storage").as_uri()


def test_variables_are_read_as_before(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", " https://a.example, ,https://b.example")
    monkeypatch.setenv("GPU_QUEUE", "Yes")
    monkeypatch.setenv("S3_ENDPOINT_URL", "")
    monkeypatch.setenv("RATE_LIMIT", "")
    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("WS_PING_INTERVAL", "7")
    config = Settings().flask_config()
    assert config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert config["GPU_QUEUE"] is True
    assert config["S3_ENDPOINT_URL"] is None  # empty is unset
    assert config["RATE_LIMIT"] == ""  # empty turns rate limiting off
    assert config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert config["SOCK_SERVER_OPTIONS"] == {"ping_interval": 7, "max_message_size": 4096}
    monkeypatch.setenv("GPU_QUEUE", "maybe")
    assert Settings().GPU_QUEUE is False


def test_an_unknown_log_format_is_refused(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings()


def test_the_ocr_task_retries_as_its_apps_max_attempts_says_when_asked(app):
    task = app.extensions["celery"].tasks[OCR_TASK_NAME]
    assert task.max_retries == app.config["MAX_ATTEMPTS"] - 1
    app.config["MAX_ATTEMPTS"] = 5
    assert task.max_retries == 4
