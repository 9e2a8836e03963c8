"""scripts/run (`make run`): its embedded Redis keeps the broker's queue, its hint works.

The script runs in a copy of the checkout whose `.venv/bin` has the real Python but a
`honcho` that only says it started, and a `tesseract` that has every language.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.stack import free_port, wait_for

ROOT = Path(__file__).parents[2]
STUBS = {
    "python": f'#!/bin/sh\nexec {sys.executable} "$@"\n',
    "honcho": '#!/bin/sh\necho "honcho $*"\nexec sleep 60\n',
    "tesseract": "#!/bin/sh\nprintf 'deu\\nfra\\nspa\\n'\n",
}

pytestmark = [
    pytest.mark.services,  # starts a redis-server
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of scripts/ with the stubbed programs in `.venv/bin`."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in STUBS.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def start_run(checkout: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """Start scripts/run in a session of its own; return it and what it printed before honcho."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PORT", "OCRAPP_INSTANCE_DIR")}
    process = subprocess.Popen(
        [str(checkout / "scripts" / "run")],
        env={**environ, "FLOWER_BASIC_AUTH": "admin:secret", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = []
    while not printed or not printed[-1].startswith("honcho "):
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"scripts/run ended early:\n{''.join(printed)}")
        printed.append(line)
    return process, "".join(printed)


def press_ctrl_c(process: subprocess.Popen, url: str) -> None:
    """Send SIGINT to the script's process group, as Ctrl-C does; wait until Redis is gone."""
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    wait_for(lambda: not answers(url), 30, "Redis stopped")


def answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except (redis.ConnectionError, redis.BusyLoadingError):
        return False


def test_the_embedded_redis_keeps_the_queue_in_the_instance_folder_after_ctrl_c(checkout):
    """Ctrl-C lost the broker's queue: queued tasks waited for the reaper after a restart."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    process, _ = start_run(checkout, REDIS_URL=url)
    try:
        redis.Redis.from_url(url).lpush("celery", "a queued task")
        press_ctrl_c(process, url)

        process, _ = start_run(checkout, REDIS_URL=url)
        assert redis.Redis.from_url(url).lrange("celery", 0, -1) == [b"a queued task"]
        assert (checkout / "instance" / "appendonlydir").is_dir()
    finally:
        if process.poll() is None:
            press_ctrl_c(process, url)


def test_the_hint_names_the_server_on_another_port(checkout):
    """`ocrapp submit` as hinted went to port 8080 when ocrapp ran on another."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    process, printed = start_run(checkout, REDIS_URL=url, PORT="8123")
    press_ctrl_c(process, url)
    assert "OCRAPP_URL=http://127.0.0.1:8123 OCRAPP_TOKEN=<token> .venv/bin/ocrapp" in printed
