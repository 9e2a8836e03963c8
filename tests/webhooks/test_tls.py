"""https receivers: the connection goes to the checked address, TLS checks the URL's name."""

import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ocrapp.webhooks.transport import post

CONFIG = {
    "WEBHOOK_ALLOW_HTTP": False,
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
    "WEBHOOK_CONNECT_TIMEOUT": 5,
    "WEBHOOK_TIMEOUT": 15,
}
NAMES = ("hooks.example.test", "other.example.test")
SELF_SIGNED = (
    *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
    *("-subj", "/CN=hooks.example.test", "-addext", "subjectAltName=DNS:hooks.example.test"),
)


class Answer204(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An https server on 127.0.0.1 whose certificate names hooks.example.test, trusted."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [*SELF_SIGNED, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the only authority trusted
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in NAMES:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server = HTTPServer(("127.0.0.1", 0), Answer204)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_certificate_is_checked_against_the_urls_name(tls_receiver):
    delivered = post(f"https://hooks.example.test:{tls_receiver}/x", {}, "{}", CONFIG)
    assert delivered.status_code == 204
    other = post(f"https://other.example.test:{tls_receiver}/x", {}, "{}", CONFIG)
    assert other.status_code is None and "doesn't match" in other.error
