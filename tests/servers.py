"""A PostgreSQL cluster and a Redis server of a test's own, each able to restart on its port."""

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import redis

from tests.stack import Process, free_port, wait_for


def postgres_bin() -> Path:
    """The folder of initdb and pg_ctl: initdb's on PATH, or Debian's newest."""
    initdb = shutil.which("initdb") or max(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), default=None, key=_version
    )
    if initdb is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb) on this machine")
    return Path(os.path.realpath(initdb)).parent


def _version(path: str) -> int:
    return int(path.split("/")[4].split(".")[0])


def postgres_user() -> str | None:
    """The user PostgreSQL runs as, which refuses root: None for ourselves."""
    if os.getuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


class Postgres:
    """A throwaway cluster in a temporary folder, on a free port, with a password."""

    def __init__(self, database: str = "ocrapp") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ocrapp-postgres-"))
        self.database, self.port, self.password = database, free_port(), secrets.token_hex(16)
        self.bin, self.user = postgres_bin(), postgres_user()
        self.url = f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            shutil.chown(self.folder, self.user)
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, cwd=self.folder, check=True, capture_output=True, timeout=300)

    def create(self) -> "Postgres":
        """Initialise the cluster, start it, and create its database."""
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n")
        os.chmod(password_file, 0o600)
        if self.user:
            shutil.chown(password_file, self.user)
        self._run(
            "initdb", "-D", "data", "-U", "postgres", "--auth=scram-sha-256",
            f"--pwfile={password_file}",
        )  # fmt: skip
        password_file.unlink()
        self.start()
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        return self

    def dsn(self, database: str | None = None) -> str:
        """A libpq connection string for `database` (its own by default)."""
        database = database or self.database
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", "data", "-l", "data/log", "-w", "-t", "120", "-o", options, "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", "data", "-m", "fast", "-w", "-t", "120", "stop")

    def restart(self) -> None:
        """Stop (closing every connection) and start again on the same port."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the cluster if it runs, and delete its folder."""
        if (self.folder / "data" / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A redis-server on a free port, its files and log in `folder`; append-only on request."""

    def __init__(self, folder: Path, appendonly: bool = False) -> None:
        self.folder, self.port, self.process = folder, free_port(), None
        self.appendonly = "yes" if appendonly else "no"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        command = (
            f"exec {shutil.which('redis-server')} --port {self.port} --bind 127.0.0.1 "
            f"--dir {self.folder} --appendonly {self.appendonly} --save ''"
        )
        self.process = Process(f"redis-{self.starts}", command, dict(os.environ), self.folder)
        wait_for(self.answers, 60, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        """Whether the server answers a PING (and has loaded its data)."""
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
        except (redis.ConnectionError, redis.BusyLoadingError):
            return False

    def restart(self) -> None:
        """Stop with SIGTERM (which syncs an append-only file), start again on its port."""
        self.process.stop()
        self.start()

    def stop(self) -> None:
        if self.process:
            self.process.stop()
