"""The faults, at random moments: processes killed or restarted, services restarted, a
socket that stops reading. Each waits until the stack is whole again before the next."""

import contextlib
import os
import signal
import threading

from chaos.journal import Journal
from chaos.stack import WEBS, WORKERS, ChaosStack
from tests.stack import wait_for

KINDS = (
    "kill_pool_process",
    "kill_worker_main",
    "restart_web",
    "restart_redis",
    "restart_postgres",
    "stall_socket",
)
STALL_SECONDS = 20
# Seconds a kill waits for a worker with a task in hand.
BUSY_WAIT = 15


class Faults:
    """Inject one fault after another, every kind in turn in a shuffled order."""

    def __init__(self, stack: ChaosStack, services, database, followers, journal: Journal, rng):
        self.stack, (self.postgres, self.broker), self.database = stack, services, database
        self.followers, self.journal, self.rng = followers, journal, rng

    def run(self, stop: threading.Event, gap: float) -> None:
        """Inject faults `gap` seconds apart on average until `stop` is set."""
        order: list[str] = []
        while not stop.wait(self.rng.uniform(0.6, 1.4) * gap):
            if not order:
                order = self.rng.sample(KINDS, len(KINDS))
            kind = order.pop()
            try:
                getattr(self, kind)()
            except Exception as error:  # a fault that misfired is reported
                self.journal.problem(f"fault {kind} could not be injected: {error!r}")
            self.revive()

    def busy_worker(self) -> str:
        """A worker that has a task in hand, waiting a little for one; else either."""
        with contextlib.suppress(TimeoutError):
            wait_for(lambda: self.database.processing_queue() is not None, BUSY_WAIT, "a task")
        queue = self.database.processing_queue()
        return f"worker_{queue}" if f"worker_{queue}" in WORKERS else self.rng.choice(WORKERS)

    def kill_pool_process(self) -> None:
        """SIGKILL one pool process of a worker; its main process replaces it."""
        label = self.busy_worker()
        before = self.stack.pool_processes(label)
        if not before:
            self.journal.note(f"kill_pool_process: {label} has no pool process yet")
            return
        victim = self.rng.choice(before)
        fault = self.journal.fault("kill_pool_process", f"{label} pid {victim}")
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: self._pool_back(label, before, victim), 120, f"{label}'s pool back")
        fault.ended = self.journal.now()

    def _pool_back(self, label: str, before: list[int], victim: int) -> bool:
        now = self.stack.pool_processes(label)
        return victim not in now and len(now) >= len(before)

    def kill_worker_main(self) -> None:
        """SIGKILL a worker's main process (its pool dies with it), then start it again."""
        label = self.busy_worker()
        fault = self.journal.fault("kill_worker_main", label)
        self.stack.restart(label, signal.SIGKILL)
        wait_for(lambda: self.stack.pool_processes(label), 120, f"{label}'s pool")
        fault.ended = self.journal.now()

    def restart_web(self) -> None:
        """SIGTERM a web process (its sockets are closed with 1001), start it again."""
        label = self.rng.choice(WEBS)
        fault = self.journal.fault("restart_web", label)
        self.stack.restart(label, signal.SIGTERM)
        fault.ended = self.journal.now()

    def restart_redis(self) -> None:
        """Restart Redis, broker and pub/sub, on its port; the append-only file keeps its data."""
        fault = self.journal.fault("restart_redis", "redis-server")
        self.broker.restart()
        fault.ended = self.journal.now()

    def restart_postgres(self) -> None:
        """Restart PostgreSQL (fast shutdown: every connection is closed)."""
        fault = self.journal.fault("restart_postgres", "postgres")
        self.postgres.restart()
        fault.ended = self.journal.now()

    def stall_socket(self) -> None:
        """One user's socket stops reading for a while, then goes on."""
        follower = self.rng.choice(self.followers)
        fault = self.journal.fault("stall_socket", follower.user.email)
        follower.stall(STALL_SECONDS)
        fault.ended = fault.started + STALL_SECONDS

    def revive(self) -> None:
        """Start again any process that ended without being asked to, as a supervisor would
        (compose's `restart:`); what it had in hand is checked for at the end."""
        for label, process in list(self.stack.current.items()):
            if not process.alive():
                self.journal.exits.append(f"{label} at t+{self.journal.now():.0f}s")
                last_lines = process.log().strip().splitlines()[-1:]
                self.journal.note(f"{label} exited on its own, started again: {last_lines}")
                self.stack.launch_as(label)
