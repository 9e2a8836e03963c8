"""docs/security.md's Redis ACL users: every process works on its own, and Flower cannot publish."""

import os
import re
import shutil
import subprocess

import pytest
import redis
import requests

from tests.conftest import Socket
from tests.helpers import auth, create_user, statuses, upload, wait_for_engines
from tests.images import text_image
from tests.stack import BIN, ROOT, Process, Stack, free_port, wait_for

pytestmark = pytest.mark.slow
FLOWER_LOGIN = ("ops", "flower-test-password")


def documented_acl() -> str:
    """The ACL lines of docs/security.md, each `>NAME_PASSWORD` as `>name-password`."""
    document = (ROOT / "docs" / "security.md").read_text()
    block = document.split("<!-- redis-acl:start -->")[1].split("<!-- redis-acl:end -->")[0]
    lines = block.strip().removeprefix("```text").removesuffix("```").strip()
    return re.sub(r">(\w+)_PASSWORD", lambda m: f">{m[1].lower()}-password", lines) + "\n"


def redis_url(port: int, user: str) -> str:
    return f"redis://{user}:{user}-password@127.0.0.1:{port}/0"


@pytest.fixture(scope="module")
def acl_redis(tmp_path_factory):
    """A redis-server of the test's own, with the documented users; its port and admin."""
    folder = tmp_path_factory.mktemp("redis-acl")
    (folder / "users.acl").write_text(documented_acl())
    port = free_port()
    command = (
        f"exec {shutil.which('redis-server')} --port {port} --bind 127.0.0.1 --save '' "
        f"--aclfile {folder / 'users.acl'}"
    )
    server = Process("redis-acl", command, dict(os.environ), folder)
    admin = redis.Redis.from_url(redis_url(port, "admin"))
    wait_for(lambda: _answers(admin), 10, "the test's Redis")
    yield port, admin
    server.stop()


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="module")
def stacks(acl_redis, tmp_path_factory):
    """The web process, a worker and beat, and Flower, each with its own Redis user."""
    port, _ = acl_redis
    instance = tmp_path_factory.mktemp("acl-instance")
    started: list[Stack] = []

    def stack(user: str, **env: str) -> Stack:
        env = {"REDIS_URL": redis_url(port, user), "OCR_ENGINE": "tesseract", **env}
        started.append(Stack.embedded(instance, env, tmp_path_factory.mktemp(user)))
        return started[-1]

    try:
        web = stack("web").start(names=("web",))
        worker = stack("worker", REAPER_INTERVAL="1", LOST_AFTER="1")
        flower = stack(
            "flower", FLOWER_PORT=str(free_port()), FLOWER_BASIC_AUTH=":".join(FLOWER_LOGIN)
        )
        yield web, worker, flower
    finally:
        for each in reversed(started):
            each.stop()


def test_each_process_works_on_its_documented_user_and_redis_refuses_nothing(acl_redis, stacks):
    _, admin = acl_redis
    web, worker, flower = stacks
    admin.acl_log_reset()
    token = create_user(web)
    socket = Socket(web.url, token)
    assert socket.receive()["type"] == "connected"
    image = text_image(["ocrapp reads letters"])
    # Before any worker: the web process publishes the `queued` and `cancelled` updates.
    first = upload(web, token, image, "first.png")
    cancel = f"{web.url}/api/tasks/{first['taskId']}/cancel"
    assert requests.post(cancel, headers=auth(token), timeout=10).json()["status"] == "cancelled"
    assert [socket.receive()["data"]["status"] for _ in range(2)] == ["queued", "cancelled"]

    worker.launch("worker")
    worker.launch("beat")
    wait_for_engines(web, token, {"tesseract"})
    second = upload(web, token, image, "second.png")
    assert statuses(socket.updates_until_finished(second["taskId"], timeout=60))[-1] == "completed"
    events = requests.get(
        f"{web.url}/api/tasks/{second['taskId']}/events", headers=auth(token), timeout=10
    )
    assert events.status_code == 200 and events.json()["events"]
    admin_token = web.cli("users", "create", "acl-admin@example.com", "--admin").splitlines()[-1]
    stats = requests.get(f"{web.url}/api/stats", headers=auth(admin_token), timeout=30).json()
    assert stats["workers"] and stats["queues"] is not None
    ping = subprocess.run(
        [str(BIN / "celery"), "-A", "tasks.worker", "inspect", "ping", "-t", "10"],
        cwd=ROOT,
        env=worker.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ping.returncode == 0, ping.stderr

    flower.launch("flower")
    flower_url = f"http://127.0.0.1:{flower.env['FLOWER_PORT']}"
    wait_for(lambda: _flower_workers(flower_url), 60, "the worker in Flower")
    socket.close()
    assert admin.acl_log(50) == []


def _flower_workers(url: str) -> bool:
    try:
        answer = requests.get(f"{url}/api/workers?refresh=1", auth=FLOWER_LOGIN, timeout=30)
    except requests.ConnectionError:
        return False
    return answer.status_code == 200 and bool(answer.json())


def test_flower_and_strangers_cannot_publish_or_read_updates(acl_redis):
    port, _ = acl_redis
    flower = redis.Redis.from_url(redis_url(port, "flower"))
    with pytest.raises(redis.exceptions.NoPermissionError):
        flower.publish("ocrapp:task-updates", b"{}")
    with pytest.raises(redis.exceptions.NoPermissionError):
        flower.xrange("ocrapp:updates:1")
    with pytest.raises(redis.exceptions.AuthenticationError):  # the default user is off
        redis.Redis(port=port).ping()
