"""The WebSocket of a real gunicorn process, fed by updates published from another process."""

import json

import pytest
import requests
import websocket

from ocrapp.core import lifecycle
from ocrapp.realtime.events import seq_key
from tests.factories import queued_task
from tests.helpers import HANDSHAKE


def test_socket_with_an_invalid_token_is_refused_before_the_handshake(pg_stack):
    for query, headers in (("?token=wrong", {}), ("", {"Authorization": "Bearer wrong"})):
        response = requests.get(
            f"{pg_stack.url}/ws{query}", headers={**HANDSHAKE, **headers}, timeout=5
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(pg_stack.url.replace("http", "ws") + "/ws?token=wrong")
    assert refused.value.status_code == 401


def test_token_in_the_query_string_is_accepted(pg_stack, app, make_user):
    user_id, token = make_user()
    url = pg_stack.url.replace("http", "ws") + f"/ws?token={token}"
    ws = websocket.create_connection(url, timeout=10)
    try:
        assert json.loads(ws.recv())["data"]["userId"] == user_id
    finally:
        ws.close()


def test_late_client_gets_a_snapshot_then_live_updates(pg_stack, app, make_user, open_socket):
    user_id, token = make_user()
    task_id = queued_task(user_id)
    socket = open_socket(pg_stack.url, token)
    connected = socket.receive()
    assert connected["type"] == "connected" and connected["data"]["userId"] == user_id
    snapshot = socket.receive()
    assert snapshot["type"] == "task_update"
    assert snapshot["data"]["taskId"] == task_id
    assert snapshot["data"]["status"] == "queued"
    assert snapshot["data"]["queuePosition"] >= 1
    with app.app_context():
        lifecycle.mark_processing(task_id)
    live = socket.receive()
    assert (live["data"]["taskId"], live["data"]["status"]) == (task_id, "processing")


def test_users_receive_their_own_updates_on_every_socket_and_nobody_elses(
    pg_stack, app, make_user, open_socket
):
    alice_id, alice_token = make_user()
    bob_id, bob_token = make_user()
    alice_sockets = [open_socket(pg_stack.url, alice_token) for _ in range(2)]
    bob_socket = open_socket(pg_stack.url, bob_token)
    for socket in [*alice_sockets, bob_socket]:
        assert socket.receive()["type"] == "connected"
    bobs_task, alices_task = queued_task(bob_id), queued_task(alice_id)
    with app.app_context():
        lifecycle.mark_processing(bobs_task)
        assert bob_socket.receive()["data"]["taskId"] == bobs_task
        # Bob's update has been delivered; anything of his meant for Alice would come first.
        lifecycle.mark_processing(alices_task)
    for socket in alice_sockets:
        assert socket.receive()["data"]["taskId"] == alices_task
    with app.app_context():
        lifecycle.report_progress(bobs_task, 50, "Bob's next update")
    # Alice's update was published before this one: Bob would have had it first.
    assert bob_socket.receive()["data"]["message"] == "Bob's next update"


def test_a_client_reconnecting_with_since_gets_what_it_missed_in_order(
    pg_stack, app, make_user, open_socket
):
    user_id, token = make_user()
    first = open_socket(pg_stack.url, token)
    seen = first.receive()["data"]["seq"]
    first.close()
    task_id = queued_task(user_id)
    with app.app_context():
        lifecycle.mark_processing(task_id)
        lifecycle.report_progress(task_id, 40, "Missed while away")
    socket = open_socket(pg_stack.url, token, since=seen)
    assert socket.receive()["data"] == {"userId": user_id, "seq": seen}
    missed = [socket.receive() for _ in range(2)]
    assert [m["data"]["message"] for m in missed] == ["OCR processing started", "Missed while away"]
    assert seq_key(seen) < seq_key(missed[0]["seq"]) < seq_key(missed[1]["seq"])
    with app.app_context():
        lifecycle.mark_completed(task_id)
    live = socket.receive()
    assert live["data"]["status"] == "completed"


def test_a_bad_since_is_refused_before_the_handshake(pg_stack, app, make_user):
    _, token = make_user()
    response = requests.get(
        f"{pg_stack.url}/ws?since=yesterday",
        headers={**HANDSHAKE, "Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == 400
