"""What one client may cost a web process through `/ws`: what it sends, how many sockets it
opens, what it asks at the handshake."""

import json
import uuid

import pytest
import requests
import websocket

from ocrapp import create_app
from ocrapp.config import Settings
from tests.conftest import Socket, app_config, served
from tests.helpers import HANDSHAKE, auth, close_frame


def ws_url(http_url: str, query: str = "") -> str:
    return http_url.replace("http", "ws", 1) + "/ws" + query


def test_a_client_that_sends_anything_once_authenticated_is_closed_with_1008(
    server, make_user, open_socket
):
    _, token = make_user()
    socket = open_socket(server, token)
    assert socket.receive()["type"] == "connected"
    socket.ws.send("anything at all")
    code, reason = close_frame(socket.ws)
    assert code == 1008 and "send nothing" in reason


def test_a_client_sending_a_second_auth_message_is_closed_too(server, make_user):
    _, token = make_user()
    ws = websocket.create_connection(ws_url(server), timeout=10)
    for _ in range(2):
        ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(ws.recv())["type"] == "connected"
    assert close_frame(ws)[0] == 1008
    ws.close()


def test_permessage_deflate_is_refused_unless_configured(app, server, make_user):
    _, token = make_user()
    offer = ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]

    def accepted_extensions() -> str | None:
        ws = websocket.create_connection(
            ws_url(server), header=[f"Authorization: Bearer {token}", *offer], timeout=10
        )
        try:
            return ws.getheaders().get("sec-websocket-extensions")
        finally:
            ws.close()

    assert accepted_extensions() is None
    app.config["WS_COMPRESSION"] = True
    assert "permessage-deflate" in accepted_extensions()


def test_a_user_at_the_socket_limit_has_the_next_one_closed_and_keeps_the_others(
    app, server, make_user, open_socket
):
    app.config["WS_MAX_PER_USER"] = 2
    _, token = make_user()
    _, other_token = make_user()
    first, second = open_socket(server, token), open_socket(server, token)
    for socket in (first, second):
        assert socket.receive()["type"] == "connected"
    refused = open_socket(server, token)
    code, reason = close_frame(refused.ws)
    assert code == 1008 and "Too many open sockets: at most 2" in reason
    assert open_socket(server, other_token).receive()["type"] == "connected"  # per user
    first.close()
    # Once the server has seen the first one go, its place is free again.
    for _ in range(50):
        again = open_socket(server, token)
        if again.ws.recv_frame().opcode == websocket.ABNF.OPCODE_TEXT:
            break
    else:
        pytest.fail("the closed socket's place was never freed")
    second.ws.ping()  # the others stay open
    assert second.ws.recv_frame().opcode == websocket.ABNF.OPCODE_PONG


@pytest.fixture
def limited_app(tmp_path, database_url, redis_url):
    """An app of its own whose rate limits are counted under keys of their own."""

    def make(**limits: str):
        config = app_config(tmp_path, database_url, redis_url)
        return create_app(config | {"RATELIMIT_KEY_PREFIX": uuid.uuid4().hex, **limits})

    return make


def test_anonymous_handshakes_are_rate_limited_per_address(limited_app, make_user):
    app = limited_app(WS_ANONYMOUS_RATE_LIMIT="2 per minute")
    _, token = make_user()
    with served(app) as url:
        for _ in range(2):
            websocket.create_connection(ws_url(url), timeout=10).close()
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url(url), timeout=10)
        assert refused.value.status_code == 429
        # A handshake with a token is counted per user, in RATE_LIMIT.
        socket = Socket(url, token)
        assert socket.receive()["type"] == "connected"
        socket.close()


def test_handshakes_count_in_the_users_rate_limit(limited_app, make_user):
    app = limited_app(RATE_LIMIT="2 per minute")
    _, token = make_user()
    with served(app) as url:
        assert requests.get(f"{url}/api/tasks", headers=auth(token), timeout=5).ok
        Socket(url, token).close()
        response = requests.get(f"{url}/ws", headers={**HANDSHAKE, **auth(token)}, timeout=5)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"


def test_an_anonymous_socket_waits_three_seconds_for_its_token():
    assert Settings.model_fields["WS_AUTH_TIMEOUT"].default == 3


def test_a_first_message_nested_too_deeply_closes_the_socket_with_1008(server):
    ws = websocket.create_connection(ws_url(server), timeout=10)
    ws.send("[" * 4000)  # under the 4 KiB a message may have, deeper than Python recurses
    code, reason = close_frame(ws)
    ws.close()
    assert code == 1008 and "nested too deeply" in reason


@pytest.mark.parametrize(
    "since",
    [
        "99999999999999999999-0",
        "0-18446744073709551616",
        "18446744073709551615-18446744073709551615",
        "1-2-3",
    ],
)
def test_a_since_beyond_redis_stream_ids_is_refused_before_the_handshake(client, make_user, since):
    _, token = make_user()
    response = client.get(f"/ws?since={since}", headers={**HANDSHAKE, **auth(token)})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"


def test_the_largest_since_redis_can_start_after_is_accepted(server, make_user, open_socket):
    user_id, token = make_user()
    since = "18446744073709551615-18446744073709551614"
    socket = open_socket(server, token, since=since)
    assert socket.receive()["data"] == {"userId": user_id, "seq": since}
    socket.ws.ping()
    assert socket.ws.recv_frame().opcode == websocket.ABNF.OPCODE_PONG  # still open
