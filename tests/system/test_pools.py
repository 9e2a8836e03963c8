"""Two worker pools from the Procfile, routed by kind of work, fair between users, in Flower."""

import pytest
import requests

from tests.conftest import REDIS_BASE_URL
from tests.documents import image_pdf, page_image
from tests.helpers import create_user, fetch, upload
from tests.images import text_image
from tests.stack import Stack, free_port, own_namespace, wait_for

pytestmark = pytest.mark.slow
FLOWER_LOGIN = ("ops", "flower-test-password")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """web, the small pool (one process) and Flower; the large pool starts when asked."""
    folder = tmp_path_factory.mktemp("pools")
    stack = Stack.embedded(
        folder / "instance",
        {
            "REDIS_URL": f"{REDIS_BASE_URL}/12",
            **own_namespace("pools"),
            "OCR_ENGINE": "tesseract",  # quick pages: the tests are about scheduling
            "USER_CONCURRENCY": "1",
            "WORKER_SMALL_CONCURRENCY": "1",
            "WORKER_LARGE_CONCURRENCY": "2",
            "FLOWER_PORT": str(free_port()),
            "FLOWER_BASIC_AUTH": ":".join(FLOWER_LOGIN),
        },
        folder,
    )
    stack.flower = f"http://127.0.0.1:{stack.env['FLOWER_PORT']}"
    with stack.running(names=("web", "worker_small", "flower")):
        yield stack


def start_large_pool(stack) -> None:
    """Start the large pool, once."""
    if "worker_large" not in [process.name for process in stack.processes]:
        stack.launch("worker_large")


def long_pdf(label: str, pages: int = 4) -> bytes:
    return image_pdf([page_image([f"{label} page {n}"]) for n in range(1, pages + 1)])


def finished(stack, token: str, task_id: str, timeout: float = 180) -> dict:
    """Wait until the task is completed or failed, and return it."""

    def task() -> dict:
        return fetch(stack, token, f"/api/tasks/{task_id}").json()

    wait_for(lambda: task()["status"] in ("completed", "failed"), timeout, f"{task_id} ended")
    return task()


def test_one_users_burst_does_not_hold_back_another_user(stack, open_socket):
    busy, other = create_user(stack), create_user(stack)
    socket = open_socket(stack.url, busy)
    burst = [upload(stack, busy, long_pdf(f"burst {n}"), f"{n}.pdf")["taskId"] for n in range(3)]
    late = upload(stack, other, long_pdf("late"), "late.pdf")["taskId"]
    start_large_pool(stack)  # two processes; the busy user may have one task running
    ends = {t: finished(stack, busy, t) for t in burst} | {late: finished(stack, other, late)}
    assert all(task["status"] == "completed" for task in ends.values())
    started = sorted(ends, key=lambda task_id: ends[task_id]["startedAt"])
    # One of the burst (whichever process won), then the other user's, though sent last.
    assert started[0] in burst and started[1] == late
    messages = []
    while not messages or messages[-1]["status"] != "processing":
        data = socket.receive()["data"]
        if data.get("taskId") == started[2]:
            messages.append(data)
    assert any("other users" in message["message"] for message in messages)


def test_images_and_long_files_run_in_their_own_pools_as_flower_shows(stack):
    start_large_pool(stack)
    token = create_user(stack)
    image = upload(stack, token, text_image(["small pool"]), "a.png")["taskId"]
    document = upload(stack, token, long_pdf("large pool", pages=2), "b.pdf")["taskId"]
    assert [finished(stack, token, t)["status"] for t in (image, document)] == ["completed"] * 2
    assert requests.get(f"{stack.flower}/api/workers", timeout=10).status_code == 401

    def flower(path: str) -> dict:
        return requests.get(f"{stack.flower}{path}", auth=FLOWER_LOGIN, timeout=30).json()

    wait_for(lambda: len(flower("/api/workers?refresh=1")) == 2, 60, "both pools in Flower")
    workers = sorted(name.split("@")[0] for name in flower("/api/workers"))
    assert workers == ["large", "small"]

    def ran_on(task_id: str) -> str | None:
        task = flower("/api/tasks").get(task_id)
        return task and task["state"] == "SUCCESS" and task["worker"].split("@")[0]

    wait_for(lambda: ran_on(image) and ran_on(document), 30, "both tasks in Flower")
    assert (ran_on(image), ran_on(document)) == ("small", "large")
    shown = flower("/api/tasks")[document]
    assert shown["name"] == "ocrapp.recognize_file" and document in shown["args"]
