"""Two web processes, one database and one Redis: every process delivers to its own sockets."""

import uuid

import pytest

from ocrapp.realtime.events import publish_task_update
from tests.helpers import create_user
from tests.stack import Stack

NAMESPACE = f"fanout-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def events_config(redis_server) -> dict:
    """The Redis database and event namespace of both processes and of `publish`."""
    return {"REDIS_URL": f"{redis_server}/14", "EVENT_NAMESPACE": NAMESPACE, "UPDATE_HISTORY": 100}


def web_process(instance_dir, log_dir, events_config: dict) -> Stack:
    """Start a web process on the shared SQLite file, Redis database and event namespace."""
    stack = Stack.embedded(
        instance_dir,
        {
            "REDIS_URL": events_config["REDIS_URL"],
            "EVENT_NAMESPACE": NAMESPACE,
        },
        log_dir,
    )
    return stack.start(names=("web",))


@pytest.fixture(scope="module")
def two_web_processes(tmp_path_factory, events_config):
    """Two gunicorns, started one after the other so that only one migrates the database."""
    instance = tmp_path_factory.mktemp("fanout-instance")
    stacks = []
    try:
        for name in ("first", "second"):
            log_dir = tmp_path_factory.mktemp(f"fanout-{name}")
            stacks.append(web_process(instance, log_dir, events_config))
        yield stacks
    finally:
        for stack in stacks:
            stack.stop()


def connect(open_socket, stack: Stack, token: str):
    """Open a socket and read its `connected` message: the process's subscription is live."""
    socket = open_socket(stack.url, token)
    connected = socket.receive()
    assert connected["type"] == "connected"
    socket.user_id = connected["data"]["userId"]
    return socket


def publish(events_config: dict, user_id: int, task_id: str, message: str) -> None:
    """Publish a task update as the worker does."""
    data = {"taskId": task_id, "status": "processing", "message": message, "progress": 10}
    publish_task_update(events_config, user_id, data | {"error": None})


def test_an_update_reaches_its_users_sockets_on_both_processes_and_no_one_else(
    two_web_processes, events_config, open_socket
):
    alice_token, bob_token = create_user(two_web_processes[0]), create_user(two_web_processes[0])
    alice = [connect(open_socket, stack, alice_token) for stack in two_web_processes]
    bob = [connect(open_socket, stack, bob_token) for stack in two_web_processes]
    alice_id, bob_id = alice[0].user_id, bob[0].user_id
    assert alice[1].user_id == alice_id and alice_id != bob_id

    publish(events_config, bob_id, "bobs-task", "Bob's update")
    publish(events_config, alice_id, "alices-task", "Alice's update")
    # Both were published on one channel, Bob's first: had either process sent Bob's update
    # to Alice, it would come before hers.
    for socket in alice:
        update = socket.receive()
        assert (update["data"]["taskId"], update["data"]["message"]) == (
            "alices-task",
            "Alice's update",
        )
    for socket in bob:
        assert socket.receive()["data"]["message"] == "Bob's update"
    publish(events_config, bob_id, "bobs-task", "Bob's second update")
    # Likewise, Alice's update would come before this one had it gone to Bob.
    for socket in bob:
        assert socket.receive()["data"]["message"] == "Bob's second update"


def test_a_burst_reaches_every_socket_once_and_in_order(
    two_web_processes, events_config, open_socket
):
    # The hub writes most of a burst itself and queues the rest behind a busy socket: the
    # two ways must not reorder, repeat or drop an update.
    token = create_user(two_web_processes[0])
    sockets = [connect(open_socket, two_web_processes[0], token) for _ in range(3)]
    user_id = sockets[0].user_id
    for n in range(300):
        publish(events_config, user_id, f"task-{n % 7}", f"update {n}")
    for socket in sockets:
        received = [socket.receive() for _ in range(300)]
        assert [update["data"]["message"] for update in received] == [
            f"update {n}" for n in range(300)
        ]
        seqs = [tuple(map(int, update["seq"].split("-"))) for update in received]
        assert seqs == sorted(seqs) and len(set(seqs)) == 300
