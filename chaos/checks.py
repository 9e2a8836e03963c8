"""The checks at the end of the run: nothing lost, nothing stuck, nothing sent astray."""

import threading
import time

from chaos.database import FINAL, Database
from chaos.followers import Follower
from chaos.journal import Journal
from chaos.load import Client, User
from ocrapp.core.storage import RESULT_FORMATS

# Fields of a task's view that change with the queue, not with the task.
MOVING_FIELDS = {"queuePosition", "estimatedStartAt"}
# The faults that may explain a 5xx (or no answer), within seconds before and after.
RESTARTS = {"restart_web", "restart_redis", "restart_postgres"}
BEFORE_FAULT, AFTER_FAULT = 2, 20
# Seconds without any change in the unfinished tasks after which the drain gives up.
STALLED = 120


def drain(database: Database, journal: Journal, timeout: float) -> None:
    """Wait until no task is queued or processing, or until `timeout`, or until the
    unfinished tasks have not moved for STALLED seconds (they are stuck)."""
    started = moved = time.monotonic()
    before = database.unfinished_states()
    while before != [] and time.monotonic() - started < timeout:
        threading.Event().wait(1)
        now = database.unfinished_states()
        if now != before:
            before, moved = now, time.monotonic()
        elif time.monotonic() - moved > STALLED:
            journal.note(f"drain: nothing moved for {STALLED}s")
            break
    journal.note(f"drain took {time.monotonic() - started:.0f}s")


def check_tasks(tasks: dict[str, dict], database: Database, journal: Journal) -> None:
    """Every accepted task is in the database and final; none has two results."""
    for task_id, email in journal.accepted.items():
        if task_id not in tasks:
            journal.problem(f"task {task_id} of {email} was accepted but is not in the database")
    for task_id, task in tasks.items():
        if task["status"] not in FINAL:
            journal.problem(
                f"task {task_id} is stuck {task['status']} (attempts {task['attempts']})"
            )
        elif task["status"] == "failed":  # every file of the run is one that can be read
            journal.problem(f"task {task_id} failed ({task['error']}, attempts {task['attempts']})")
    for task_id, count in database.tasks_with_several_results():
        journal.problem(f"task {task_id} has {count} result rows")


def check_results(tasks: dict[str, dict], users: list[User], client: Client, journal) -> None:
    """Every completed task's result is readable in every format."""
    by_email = {user.email: user for user in users}
    for task_id, task in tasks.items():
        if task["status"] != "completed":
            continue
        for result_format in RESULT_FORMATS:
            path = f"/api/tasks/{task_id}/result?format={result_format}"
            response = client.retried("GET", path, by_email[task["email"]])
            if response is None or response.status_code != 200 or not response.content:
                status = response.status_code if response is not None else "no answer"
                journal.problem(f"task {task_id}: its {result_format} result answered {status}")


def views(tasks: dict[str, dict], users: list[User], client: Client) -> dict[str, dict]:
    """Each task as the API shows it now (what the database holds), by task id."""
    by_email, found = {user.email: user for user in users}, {}
    for task_id, task in tasks.items():
        response = client.retried("GET", f"/api/tasks/{task_id}", by_email[task["email"]])
        if response is not None and response.status_code == 200:
            found[task_id] = response.json()
    return found


def differences(follower: Follower, tasks: dict[str, dict], current: dict[str, dict]) -> list:
    """Where a follower's last known states differ from the tasks as they are."""
    found = []
    for task_id, task in tasks.items():
        if task["email"] != follower.user.email or task_id not in current:
            continue
        known = follower.states.get(task_id)
        if known is None:
            found.append(f"{follower.user.email} never heard of task {task_id} ({task['status']})")
            continue
        expected = {k: v for k, v in current[task_id].items() if k not in MOVING_FIELDS}
        changed = {
            k: (v, expected[k]) for k, v in known.items() if k in expected and expected[k] != v
        }
        if changed:
            found.append(f"{follower.user.email}, task {task_id}: known != database: {changed}")
    return found


def check_followers(followers, tasks, current, journal: Journal, timeout: float = 90) -> None:
    """Each follower ends knowing every task of its user as it is, and no other user's."""
    deadline = time.monotonic() + timeout
    while any(differences(f, tasks, current) for f in followers) and time.monotonic() < deadline:
        threading.Event().wait(1)
    for follower in followers:
        for difference in differences(follower, tasks, current):
            journal.problem(difference)
        for task_id in follower.states:
            owner = tasks.get(task_id, {}).get("email")
            if owner != follower.user.email:
                journal.problem(f"{follower.user.email} was sent task {task_id} of {owner}")


def fault_near(journal: Journal, at: float):
    """The latest restart during which (or just after which) something happened at `at`."""
    near = [
        fault
        for fault in journal.faults
        if fault.kind in RESTARTS
        and fault.started - BEFORE_FAULT <= at <= (fault.ended or fault.started) + AFTER_FAULT
    ]
    return max(near, key=lambda fault: fault.started, default=None)


def check_errors(journal: Journal) -> None:
    """5xx answers and requests without an answer happen only around faults."""
    for answer in journal.answers:
        if answer.refused or (answer.status is not None and answer.status < 500):
            continue  # a refused connection was tried again on the other web process
        if fault_near(journal, answer.at) is None:
            journal.problem(
                f"{answer.status or 'no answer'} to {answer.method} {answer.path} at "
                f"t+{answer.at:.1f}s, not near any fault"
            )
