"""Calls to a running stack, shared by the end-to-end tests."""

import contextlib
import os
import struct
import time
from pathlib import Path
from urllib.parse import urlparse

import boto3
import requests
import websocket
from urllib3 import encode_multipart_formdata

from tests.stack import wait_for

# The headers of a WebSocket handshake, for requests that must reach the /ws route.
HANDSHAKE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def close_frame(ws: websocket.WebSocket) -> tuple[int, str]:
    """Read past pings, answering them, to the server's close frame; return its code and
    reason."""
    frame = ws.recv_frame()
    while frame.opcode == websocket.ABNF.OPCODE_PING:
        # The server may have sent its close frame and hung up right after this ping.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            ws.pong(frame.data)
        frame = ws.recv_frame()
    assert frame.opcode == websocket.ABNF.OPCODE_CLOSE, frame
    return struct.unpack("!H", frame.data[:2])[0], frame.data[2:].decode()


def auth(token: str) -> dict:
    """The Authorization header of `token`."""
    return {"Authorization": f"Bearer {token}"}


def submit(client, token: str, data: bytes, filename: str = "upload.bin", **fields):
    """Upload `data` (with form `fields`) through a Flask test client, the form encoded as
    requests encodes it (werkzeug's test client leaves out the line break that ends an
    empty field, which only werkzeug's own parser forgives)."""
    body, content_type = encode_multipart_formdata({"file": (filename, data), **fields})
    return client.post("/api/tasks", headers=auth(token), data=body, content_type=content_type)


def create_user(stack) -> str:
    """Create a user with the CLI and return the token it prints last."""
    return stack.cli("users", "create", f"user-{os.urandom(4).hex()}@example.com").splitlines()[-1]


def upload(stack, token: str, data: bytes, filename: str, **fields) -> dict:
    """Submit a file (with form `fields`) and return the new task."""
    response = requests.post(
        f"{stack.url}/api/tasks",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (filename, data)},
        data=fields,
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()


def fetch(stack, token: str, path: str) -> requests.Response:
    """GET an API path with the user's token."""
    response = requests.get(
        f"{stack.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response


def statuses(updates: list[dict]) -> list[str]:
    """The distinct statuses in the order they arrived."""
    seen: list[str] = []
    for update in updates:
        if not seen or seen[-1] != update["status"]:
            seen.append(update["status"])
    return seen


def worker_child(stack) -> int:
    """Return the pid of the worker's one pool process."""
    parent = stack.processes[1].popen.pid

    def children() -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if entry.isdigit() and int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, IndexError):
                continue
        return found

    wait_for(lambda: len(children()) == 1, 60, "one worker pool process")
    return children()[0]


def wait_for_engines(stack, token: str, names: set[str]) -> None:
    """Wait until the stack's workers have reported every engine of `names`."""
    from tests.stack import wait_for

    headers = {"Authorization": f"Bearer {token}"}

    def reported() -> bool:
        answer = requests.get(f"{stack.url}/api/engines", headers=headers, timeout=5)
        if answer.status_code == 429:  # a worker slow to load its models: polled past the limit
            time.sleep(min(float(answer.headers.get("Retry-After", 1)), 10))
            return False
        answer.raise_for_status()
        return names <= {engine["name"] for engine in answer.json()["engines"]}

    wait_for(reported, 180, f"engines {sorted(names)} reported")


def stored_keys(stack) -> list[str]:
    """Every object the stack's storage holds: the files of its folder, or its S3 bucket's."""
    if "OCRAPP_INSTANCE_DIR" in stack.env:
        root = Path(stack.env["OCRAPP_INSTANCE_DIR"]) / "storage"
        return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]
    location = urlparse(stack.env["STORAGE_URL"])
    bucket = boto3.client("s3", endpoint_url=stack.env["S3_ENDPOINT_URL"])
    pages = bucket.get_paginator("list_objects_v2").paginate(Bucket=location.netloc)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]
