"""Start real ocrapp processes (as the Procfile runs them) for tests and benchmarks."""

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """Return a TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout}s")
        time.sleep(0.1)


def recreate_database(postgres_url: str, name: str) -> str:
    """Create an empty database `name` beside `postgres_url`; return its SQLAlchemy URL."""
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


def own_namespace(name: str) -> dict[str, str]:
    """The settings that give a stack events and an OCR queue of its own, named for this run."""
    namespace = f"{name}-{os.getpid()}"
    return {"EVENT_NAMESPACE": namespace, "OCR_QUEUE": namespace}


def own_services(database_url: str, redis_url: str, folder: Path) -> dict[str, str]:
    """The settings of a stack on these services, with its storage and instance in `folder`."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BROKER_URL": redis_url,
        "STORAGE_URL": (folder / "storage").as_uri(),
        "OCRAPP_INSTANCE_DIR": str(folder / "instance"),
    }


def procfile_commands() -> dict[str, str]:
    """Return the Procfile's commands by process name."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


class Process:
    """A child process in its own session, with its output in a log file."""

    def __init__(self, name: str, command: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                ["/bin/sh", "-c", command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.popen.poll() is None

    def log(self) -> str:
        """Return what the process printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> None:
        """Stop the process group with SIGTERM, then SIGKILL."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.popen.pid, sig)
                self.popen.wait(timeout)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


class Stack:
    """The web process and a worker, configured by `env`, as the Procfile runs them."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "1",
            "WORKER_CONCURRENCY": "1",
            **env,
        }
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.processes: list[Process] = []

    @classmethod
    def embedded(cls, instance_dir: Path, env: dict[str, str], log_dir: Path) -> "Stack":
        """A stack on the embedded defaults: SQLite and a local folder in `instance_dir`."""
        stack = cls({"OCRAPP_INSTANCE_DIR": str(instance_dir), **env}, log_dir)
        for name in ("DATABASE_URL", "STORAGE_URL", "S3_ENDPOINT_URL"):
            stack.env.pop(name, None)  # inherited from the environment the tests run in
        return stack

    def start(self, names=("web", "worker")) -> "Stack":
        """Start the Procfile processes `names` and wait until the web process answers."""
        for name in names:
            self.launch(name)
        wait_for(self._web_ready, 60, f"web process at {self.url}")
        return self

    @contextlib.contextmanager
    def running(self, names=("web", "worker")) -> Iterator["Stack"]:
        """Run the processes `names` for a `with` block; stop them after, even if starting fails."""
        try:
            yield self.start(names)
        finally:
            self.stop()

    def process(self, name: str) -> Process:
        """Return the running process `name`."""
        return next(process for process in self.processes if process.name == name)

    def launch(self, name: str) -> Process:
        """Start the Procfile process `name`, in place of an earlier one of that name."""
        process = Process(name, procfile_commands()[name], self.env, self.log_dir)
        names = [earlier.name for earlier in self.processes]
        if name in names:
            self.processes[names.index(name)] = process
        else:
            self.processes.append(process)
        return process

    def _web_ready(self) -> bool:
        web = self.processes[0]
        if not web.alive():
            raise RuntimeError(f"web process exited:\n{web.log()[-3000:]}")
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    def cli(self, *args: str) -> str:
        """Run `ocrapp ARGS` with this stack's configuration and return its output."""
        completed = subprocess.run(
            [str(BIN / "ocrapp"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if completed.returncode != 0:
            raise subprocess.CalledProcessError(
                completed.returncode, shlex.join(args), completed.stdout, completed.stderr
            )
        return completed.stdout

    def stop(self) -> None:
        """Stop every process of the stack."""
        for process in reversed(self.processes):
            process.stop()


def start_moto_server(log_dir: Path, port: int | None = None) -> tuple[Process, str]:
    """Start moto's S3 server on `port` (a free one by default); return it and its URL."""
    port = port or free_port()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    server = Process("moto", f"exec moto_server -H 127.0.0.1 -p {port}", env, log_dir)
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(endpoint, timeout=2).status_code < 500
        except requests.ConnectionError:
            return False

    wait_for(answers, 30, "moto server")
    return server, endpoint
