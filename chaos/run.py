"""One chaos run: start everything, load it while injecting faults, drain, check, report."""

import json
import random
import tempfile
import threading
from pathlib import Path

from chaos import checks
from chaos.database import Database
from chaos.faults import KINDS, Faults
from chaos.followers import Follower
from chaos.journal import Journal
from chaos.load import Client, Load, create_users
from chaos.report import figures, render
from chaos.stack import WORKERS, ChaosStack, chaos_env
from tests.servers import Postgres, Redis
from tests.stack import wait_for


def run(seconds: float, drain_seconds: float, user_count: int, seed: int | None) -> dict:
    """Run the whole chaos run and return its report."""
    folder = Path(tempfile.mkdtemp(prefix="ocrapp-chaos-"))
    (folder / "logs").mkdir()
    print(f"chaos: logs in {folder / 'logs'}", flush=True)
    postgres, broker = Postgres("chaos"), Redis(folder, appendonly=True)
    stack = ChaosStack(chaos_env(postgres, broker, folder), folder / "logs")
    stack.env.pop("S3_ENDPOINT_URL", None)  # inherited from the environment the tests run in
    try:
        postgres.create()
        broker.start()
        stack.start_all()
        report = under_load(stack, postgres, broker, seconds, drain_seconds, user_count, seed)
    finally:
        stack.stop()
        broker.stop()
        postgres.remove()
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    return report


def under_load(stack, postgres, broker, seconds, drain_seconds, user_count, seed) -> dict:
    """Submit, follow and break things for `seconds`, then drain and check."""
    rng, database = random.Random(seed), Database(postgres.dsn())
    users = create_users(stack, user_count)
    ids = database.user_ids()
    for user in users:
        user.id = ids[user.email]
    for label in WORKERS:
        wait_for(lambda label=label: stack.pool_processes(label), 180, f"{label}'s pool")
    journal = Journal()
    client = Client(stack.urls, journal)
    followers = [Follower(user, stack.urls, journal) for user in users]
    following, loading = threading.Event(), threading.Event()
    for follower in followers:
        follower.start(following)
    load = Load(client, users, journal, rng, database.unfinished)
    faults = Faults(stack, (postgres, broker), database, followers, journal, rng)
    gap = min(max(seconds / (2 * len(KINDS) + 2), 6), 25)
    threads = [
        threading.Thread(target=load.run, args=(loading,), name="load"),
        threading.Thread(target=faults.run, args=(loading, gap), name="faults"),
    ]
    for thread in threads:
        thread.start()
    loading.wait(seconds)
    loading.set()
    for thread in threads:
        thread.join()
    faults.revive()
    checks.drain(database, journal, drain_seconds)
    tasks = database.tasks()
    checks.check_tasks(tasks, database, journal)
    checks.check_results(tasks, users, client, journal)
    checks.check_followers(followers, tasks, checks.views(tasks, users, client), journal)
    following.set()
    checks.check_errors(journal)
    return figures(journal, tasks, followers, seconds)


def main(seconds: float, drain_seconds: float, user_count: int, seed: int | None) -> int:
    """Run, print the report, and return the exit status: 1 on any loss."""
    report = run(seconds, drain_seconds, user_count, seed)
    print(render(report), flush=True)
    return 1 if report["problems"] else 0
