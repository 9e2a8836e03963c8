"""The load: users with API tokens, and a steady stream of submissions and cancels."""

import random
import threading
import uuid
from dataclasses import dataclass

import requests

from chaos.journal import Journal
from tests.documents import image_pdf, page_image
from tests.images import text_image

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")


@dataclass
class User:
    """A user of the run: its email, id and API token."""

    email: str
    token: str
    id: int = 0


def create_users(stack, count: int) -> list[User]:
    """Create `count` users with the CLI, each with the token it prints last."""
    users = []
    for number in range(count):
        email = f"chaos-{number}-{uuid.uuid4().hex[:6]}@example.com"
        users.append(User(email, stack.cli("users", "create", email).splitlines()[-1]))
    return users


def sample_files(rng: random.Random) -> list[tuple[str, bytes]]:
    """A few images and multi-page scanned PDFs with known words, to submit again and again."""
    files = []
    for number in range(4):
        lines = [" ".join(rng.sample(WORDS, 3)) for _ in range(2)]
        files.append((f"note-{number}.png", text_image(lines)))
    for pages in (2, 3, 4, 8):
        images = [
            page_image([f"page {page}", " ".join(rng.sample(WORDS, 3))]) for page in range(pages)
        ]
        files.append((f"letter-{pages}p.pdf", image_pdf(images)))
    return files


class Client:
    """HTTP calls to the two web processes in turn, each answer recorded in the journal."""

    def __init__(self, urls: list[str], journal: Journal) -> None:
        self.urls, self.journal, self.turn = urls, journal, 0
        self.session = requests.Session()

    def call(self, method: str, path: str, user: User, **options) -> requests.Response | None:
        """Send one request to the next web process (to the other where the first refuses
        the connection, as a load balancer would); None when no answer came."""
        headers = {"Authorization": f"Bearer {user.token}", **options.pop("headers", {})}
        for _ in self.urls:
            self.turn += 1
            url = self.urls[self.turn % len(self.urls)] + path
            try:
                response = self.session.request(method, url, headers=headers, timeout=60, **options)
            except requests.ConnectionError as error:
                refused = "NewConnectionError" in repr(error)  # nothing was sent
                self.journal.answer(method, path, None, refused=refused)
                if refused:
                    continue
                return None
            except requests.RequestException:
                self.journal.answer(method, path, None)
                return None
            self.journal.answer(method, path, response.status_code)
            return response
        return None

    def retried(self, method: str, path: str, user: User, tries: int = 8, **options):
        """Send a request that is safe to repeat until it gets a non-5xx answer."""
        response = None
        for attempt in range(tries):
            response = self.call(method, path, user, **options)
            if response is not None and response.status_code < 500:
                return response
            threading.Event().wait(min(2**attempt * 0.25, 5))
        return response


class Load:
    """A steady stream of submissions from every user: some keyed and repeated, some cancelled.

    A new file waits while `backlog` tasks are unfinished, so that the drain ends.
    """

    def __init__(self, client: Client, users: list[User], journal: Journal, rng, unfinished):
        self.client, self.users, self.journal, self.rng = client, users, journal, rng
        self.unfinished = unfinished  # () -> how many tasks are queued or processing
        self.files = sample_files(rng)
        self.cancels: list[tuple[float, User, str]] = []
        self.backlog, self.interval = 2 * len(users), 2.0

    def run(self, stop: threading.Event) -> None:
        """Submit and cancel until `stop` is set."""
        while not stop.is_set():
            if self.unfinished() < self.backlog:
                self.submit(self.rng.choice(self.users))
            self.cancel_due()
            stop.wait(self.rng.uniform(0.5, 1.5) * self.interval)

    def submit(self, user: User) -> None:
        """Submit a file; with an Idempotency-Key, retry it and sometimes repeat it."""
        name, data = self.rng.choice(self.files)
        keyed = self.rng.random() < 0.3
        headers = {"Idempotency-Key": f"chaos-{uuid.uuid4().hex}"} if keyed else {}
        send = self.client.retried if keyed else self.client.call
        self.journal.submitted += 1
        response = send("POST", "/api/tasks", user, files={"file": (name, data)}, headers=headers)
        if response is None or response.status_code not in (200, 202):
            return
        task_id = response.json()["taskId"]
        self.journal.accepted[task_id] = user.email
        if keyed and self.rng.random() < 0.5:
            self.repeat(user, name, data, headers, task_id)
        if self.rng.random() < 0.15:
            self.cancels.append((self.journal.now() + self.rng.uniform(0, 4), user, task_id))

    def repeat(self, user: User, name: str, data: bytes, headers: dict, task_id: str) -> None:
        """Send a keyed submission again: it must answer 200 with the same task."""
        self.journal.repeats += 1
        again = self.client.retried(
            "POST", "/api/tasks", user, files={"file": (name, data)}, headers=headers
        )
        if again is None or again.status_code >= 500:
            return
        if again.status_code != 200 or again.json().get("taskId") != task_id:
            self.journal.problem(
                f"Idempotency-Key repeated for task {task_id}: answered {again.status_code} "
                f"{again.text[:200]}"
            )

    def cancel_due(self) -> None:
        """Cancel the tasks whose moment has come: 200, or 409 once finished."""
        now = self.journal.now()
        due = [cancel for cancel in self.cancels if cancel[0] <= now]
        self.cancels = [cancel for cancel in self.cancels if cancel[0] > now]
        for _, user, task_id in due:
            self.journal.cancels += 1
            response = self.client.retried("POST", f"/api/tasks/{task_id}/cancel", user)
            if response is not None and response.status_code not in (200, 202, 409, 500, 502, 503):
                self.journal.problem(
                    f"cancel of task {task_id}: {response.status_code} {response.text[:200]}"
                )
