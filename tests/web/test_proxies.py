"""Behind proxies: the client's address from X-Forwarded-For, only as far as it is trusted."""

import secrets

import pytest

from ocrapp import create_app


def random_address() -> str:
    """An address no other test uses, so that its rate limit counts start at zero."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def anonymous_answers(app, trusted: int, forwarded: list[str]) -> list[int]:
    """The statuses of anonymous requests, one per X-Forwarded-For, from one proxy."""
    config = {**app.config, "RATE_LIMIT": "2 per minute", "TRUSTED_PROXIES": trusted}
    client = create_app(config).test_client()
    proxy = {"REMOTE_ADDR": random_address()}
    return [
        client.get(
            "/api/tasks", headers={"X-Forwarded-For": header}, environ_base=proxy
        ).status_code
        for header in forwarded
    ]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app):
    one, two = random_address(), random_address()
    # Every request counts against the proxy's address: the third is over the limit.
    assert anonymous_answers(app, 0, [one, one, two]) == [401, 401, 429]


def test_behind_one_trusted_proxy_each_client_has_its_own_limit(app):
    one, two = random_address(), random_address()
    assert anonymous_answers(app, 1, [one, one, two, one]) == [401, 401, 401, 429]


@pytest.mark.parametrize("trusted", [1, 2])
def test_a_client_cannot_choose_its_address_before_the_trusted_proxies(app, trusted):
    # The trusted proxies append what they saw; what the client sent comes before it.
    seen = ", ".join(random_address() for _ in range(trusted))
    forwarded = [f"{random_address()}, {seen}" for _ in range(3)]
    assert anonymous_answers(app, trusted, forwarded) == [401, 401, 429]
