"""The whole stack as the Procfile runs it: two web processes, both pools and beat."""

import os
import signal
import subprocess
from pathlib import Path

import requests

from tests.servers import Postgres, Redis
from tests.stack import Process, Stack, free_port, own_services, procfile_commands, wait_for

WEBS = ("web-1", "web-2")
WORKERS = ("worker_small", "worker_large")


def chaos_env(postgres: Postgres, broker: Redis, folder: Path) -> dict[str, str]:
    """The settings of every process: the run's own services, a local storage folder."""
    return {
        **own_services(postgres.url, broker.url, folder),
        "EVENT_NAMESPACE": "chaos",
        "OCR_QUEUE": "chaos",
        "OCR_ENGINE": "tesseract",
        "LOG_FORMAT": "text",
        "WORKER_SMALL_CONCURRENCY": "2",
        "WORKER_LARGE_CONCURRENCY": "1",
        "LARGE_TASK_PAGES": "3",
        # The reaper's turns, short enough for a run of minutes.
        "REAPER_INTERVAL": "2",
        "OUTBOX_DELAY": "2",
        "LOST_AFTER": "20",
        "RATE_LIMIT": "100000 per minute",
        "WS_PING_INTERVAL": "5",
    }


class ChaosStack(Stack):
    """The Procfile's processes, each under a label, restartable one by one."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        super().__init__(env, log_dir)
        self.ports = {label: free_port() for label in WEBS}
        self.urls = [f"http://127.0.0.1:{self.ports[label]}" for label in WEBS]
        self.url = self.urls[0]
        self.current: dict[str, Process] = {}
        self.starts: dict[str, int] = {}

    def launch_as(self, label: str) -> Process:
        """Start (or start again) the process `label`: a web process or a Procfile name."""
        self.starts[label] = self.starts.get(label, 0) + 1
        env = dict(self.env)
        if label in self.ports:
            env["PORT"] = str(self.ports[label])
        command = procfile_commands()[label.split("-")[0]]
        process = Process(f"{label}.{self.starts[label]}", command, env, self.log_dir)
        self.current[label] = process
        self.processes = list(self.current.values())
        return process

    def start_all(self) -> "ChaosStack":
        """Start the web processes one after the other (each migrates), then the rest."""
        for label in WEBS:
            self.launch_as(label)
            self.wait_web(label)
        for label in (*WORKERS, "beat"):
            self.launch_as(label)
        return self

    def wait_web(self, label: str, timeout: float = 180) -> None:
        """Wait until the web process `label` answers /readyz."""
        url, process = f"http://127.0.0.1:{self.ports[label]}", self.current[label]

        def ready() -> bool:
            if not process.alive():
                raise RuntimeError(f"{label} exited:\n{process.log()[-3000:]}")
            try:
                return requests.get(f"{url}/readyz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, timeout, f"{label} at {url}")

    def restart(self, label: str, sig: int = signal.SIGTERM, timeout: float = 60) -> None:
        """Send `sig` to the process `label`, wait for it to end, and start it again."""
        process = self.current[label]
        try:
            os.kill(process.popen.pid, sig)
            process.popen.wait(timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            process.stop()
        process.stop(timeout=10)  # what is left of its group, e.g. pool processes
        self.launch_as(label)
        if label in self.ports:
            self.wait_web(label)

    def pool_processes(self, label: str) -> list[int]:
        """The pids of the pool (child) processes of the worker `label`."""
        parent = self.current[label].popen.pid
        children = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
        return children
