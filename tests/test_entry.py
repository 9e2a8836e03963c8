"""The `ocrapp` console script: client commands start without the server's code."""

import os
import subprocess
import sys

RUN = "import sys; from ocrapp.entry import main; sys.argv = ['ocrapp', *sys.argv[1:]]; main()"


def ocrapp(*arguments: str) -> subprocess.CompletedProcess:
    """Run the console script's `main` with `arguments`, in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", RUN, *arguments], capture_output=True, text=True, timeout=60
    )


def test_a_client_command_loads_no_flask():
    # Every `ocrapp status` took 2.5 s to start, importing Flask, SQLAlchemy and Alembic.
    servers = "{'flask', 'sqlalchemy', 'alembic'}"
    check = (
        f"import atexit, sys; atexit.register(lambda: print(sorted({servers} & set(sys.modules))))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", f"{check}; {RUN}", "status", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 0 and "Usage: ocrapp status" in answer.stdout
    assert answer.stdout.rstrip().endswith("[]"), answer.stdout


def test_the_full_command_lists_client_and_server_commands():
    answer = ocrapp("--help")
    assert answer.returncode == 0
    for name in ("submit", "status", "db", "users", "tokens"):
        assert f"  {name} " in answer.stdout, name


def test_a_client_command_refuses_what_it_always_did():
    answer = ocrapp("status")  # no task id, no token
    assert answer.returncode == 2 and "Usage: ocrapp status" in answer.stderr


def test_a_client_command_reads_env_files_as_the_full_group_does(tmp_path):
    # The full group (Flask's) reads .env; the client's own path skipped it at first, and
    # `ocrapp status` asked for a token kept there.
    settings = "OCRAPP_URL=http://127.0.0.1:9\nOCRAPP_TOKEN=from-env-file\nOCRAPP_RETRIES=0\n"
    (tmp_path / ".env").write_text(settings)
    answer = subprocess.run(
        [sys.executable, "-c", RUN, "status", "00000000-0000-0000-0000-000000000000"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("OCRAPP_")},
    )
    assert "Missing option" not in answer.stderr
    assert "unreachable" in answer.stderr and "port=9" in answer.stderr  # it tried that server
