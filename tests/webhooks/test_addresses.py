"""Webhook URLs: https only unless allowed, public addresses only, checked when sending too."""

import ipaddress
import socket

import pytest

from ocrapp.core.errors import WebhookUrlRefused
from ocrapp.webhooks.addresses import check_url, checked_target, is_public
from ocrapp.webhooks.transport import post
from tests.webhook_receiver import Receiver

STRICT = {"WEBHOOK_ALLOW_HTTP": False, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": False}
OPEN = {"WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True}
TIMEOUTS = {"WEBHOOK_CONNECT_TIMEOUT": 5, "WEBHOOK_TIMEOUT": 15}


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",  # AWS's metadata service over IPv6
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::",
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "::ffff:0:7f00:1",  # SIIT's IPv4-translated form
        "64:ff9b::a9fe:a9fe",  # NAT64 to the metadata service
        "64:ff9b:1::a00:1",  # NAT64's local-use prefix, to 10.0.0.1
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "fec0::1",  # site-local (deprecated)
        "192.0.0.8",  # IETF protocol assignments
        "ff02::1",
    ],
)
def test_loopback_private_link_local_and_metadata_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::"],
)
def test_internet_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hook", "https://"),
        ("ftp://93.184.216.34/hook", "https://"),
        ("https:///hook", "name a host"),
        ("https://user:pw@93.184.216.34/hook", "password"),
        ("https://127.0.0.1/hook", "not a public address"),
        ("https://[::1]/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://localhost/hook", "not a public address"),
        ("https://nowhere.invalid/hook", "cannot be resolved"),
        ("https://93.184.216.34/a hook", "spaces or control characters"),
        ("https://93.184.216.34/hook\r\nX-Injected: 1", "spaces or control characters"),
        ("https://" + "a" * 70 + ".example/hook", "cannot be read"),  # a label over 63
    ],
)
def test_refused_urls_say_why(url, why):
    with pytest.raises(WebhookUrlRefused) as refusal:
        checked_target(url, STRICT)
    assert why in refusal.value.message


def test_http_and_private_addresses_pass_when_allowed():
    target = checked_target("http://localhost:8123/a?b=1", OPEN)
    assert (target.scheme, target.host, target.port, target.path) == (
        "http",
        "localhost",
        8123,
        "/a?b=1",
    )
    assert not any(is_public(ipaddress.ip_address(address)) for address in target.addresses)


def resolving_to(monkeypatch, answers: list[str], name: str = "hooks.example.test") -> list[str]:
    """Make `name` resolve to each of `answers` in turn (each "a,b": two addresses); return
    what was asked."""
    real, asked = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        found = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in found.split(",")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_that_resolves_elsewhere_at_delivery_is_refused_then(monkeypatch):
    """DNS rebinding: public when saved, loopback when sent; nothing reaches the receiver."""
    config = {"WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": False, **TIMEOUTS}
    with Receiver() as receiver:
        url = f"http://hooks.example.test:{receiver.port}/hooks"
        resolving_to(monkeypatch, ["93.184.216.34", "127.0.0.1"])
        checked_target(url, config)  # when saved: public
        outcome = post(url, {"webhook-id": "msg_1"}, "{}", config)
    assert outcome.status_code is None and "not a public address" in outcome.error
    assert receiver.received == []


def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(monkeypatch):
    """Resolved once: the name is looked up once per delivery, the Host header keeps it."""
    config = {**OPEN, **TIMEOUTS}
    with Receiver() as receiver:
        asked = resolving_to(monkeypatch, ["127.0.0.1"])
        url = f"http://hooks.example.test:{receiver.port}/hooks?x=1"
        outcome = post(url, {"webhook-id": "msg_1"}, '{"a":1}', config)
    assert outcome.status_code == 200 and outcome.delivered
    assert asked == ["hooks.example.test"]
    [received] = receiver.received
    assert received.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert received.body == b'{"a":1}' and received.headers["content-type"] == "application/json"


def test_a_url_in_other_scripts_goes_out_as_idna_and_percent_escapes(monkeypatch):
    """Sent as given, such a URL made http.client raise (UnicodeEncodeError) on every try."""
    config = {**OPEN, **TIMEOUTS}
    with Receiver() as receiver:
        asked = resolving_to(monkeypatch, ["127.0.0.1"], name="xn--bcher-kva.example.test")
        url = f"http://bücher.example.test:{receiver.port}/hooks/café?für=é"
        outcome = post(url, {"webhook-id": "msg_1"}, "{}", config)
    assert outcome.delivered and asked == ["xn--bcher-kva.example.test"]
    [received] = receiver.received
    assert received.headers["host"] == f"xn--bcher-kva.example.test:{receiver.port}"
    assert received.path == "/hooks/café" and received.query == "f%C3%BCr=%C3%A9"


@pytest.mark.parametrize(
    ("host", "sent"),
    [
        ("faß.de", "xn--fa-hia.de"),  # IDNA 2003 (Python's codec) made it fass.de: another domain
        ("straße.example", "xn--strae-oqa.example"),
        ("σοφός.gr", "xn--0xagbn4a.gr"),  # its final sigma kept as such (IDNA 2003 changed it)
        ("bücher.de", "xn--bcher-kva.de"),
        ("hooks.example.com", "hooks.example.com"),
    ],
)
def test_a_host_goes_out_as_a_browser_writes_it(host, sent):
    assert check_url(f"https://{host}/hook", STRICT)[1] == sent


def test_redirects_are_not_followed():
    config = {**OPEN, **TIMEOUTS}
    with Receiver() as target, Receiver([(302, {"Location": "http://127.0.0.1:1/"})]) as hop:
        target_url = target.url
        hop.answers = [(307, {"Location": target_url})]
        outcome = post(hop.url, {}, "{}", config)
    assert outcome.status_code == 307 and not outcome.delivered
    assert target.received == []


def test_the_next_address_is_tried_when_one_cannot_be_reached(monkeypatch):
    config = {**OPEN, **TIMEOUTS}
    with Receiver() as receiver:  # on 127.0.0.1 only: 127.0.0.2 refuses the connection
        resolving_to(monkeypatch, ["127.0.0.2,127.0.0.1"])
        outcome = post(f"http://hooks.example.test:{receiver.port}/", {}, "{}", config)
    assert outcome.delivered and len(receiver.received) == 1
