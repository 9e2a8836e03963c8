"""The client's HTTP session: retries for what is safe to send twice, honouring Retry-After.

GET, PUT, DELETE and the like are retried on a lost connection and on 429, 502, 503 and
504; a POST only when it carries an `Idempotency-Key`, which the server answers at most
once (a repeat gets the first task back). Other POSTs, a cancel for one, are sent once.
"""

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

RETRIED_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = Retry.DEFAULT_ALLOWED_METHODS
IDEMPOTENCY_KEY = "Idempotency-Key"


class PatientRetry(Retry):
    """Retry with exponential backoff, waiting as Retry-After says, unless that is too long."""

    # A Retry-After beyond this (a quota that frees up in an hour) is answered at once.
    LONGEST_WAIT = 120.0

    def is_retry(self, method, status_code, has_retry_after=False):
        """Retry only the statuses of `status_forcelist`, whatever Retry-After says."""
        # urllib3 retries any 413, 429 or 503 that has a Retry-After, even one not in the
        # forcelist: a refused upload (413) was sent again and again.
        in_list = status_code in (self.status_forcelist or ())
        return in_list and super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, **kwargs):
        """Give up on an answer that asks for a longer wait than LONGEST_WAIT."""
        wait = self.get_retry_after(response) if response is not None else None
        if wait is not None and wait > self.LONGEST_WAIT:
            raise MaxRetryError(kwargs.get("_pool"), url, f"Retry-After {wait:.0f}s")
        return super().increment(method, url, response, error, **kwargs)


def retry_policy(attempts: int, methods=IDEMPOTENT_METHODS) -> PatientRetry:
    """Up to `attempts` retries of `methods`: 0.5 s, 1 s, 2 s ... or as Retry-After says."""
    return PatientRetry(
        total=attempts,
        allowed_methods=methods,
        status_forcelist=RETRIED_STATUSES,
        backoff_factor=0.5,
        backoff_max=30,
        backoff_jitter=0.25,
        raise_on_status=False,  # the last answer is returned, its error read by the client
    )


class IdempotentRetries(HTTPAdapter):
    """Send each request with the retries its method allows; keyed POSTs retried as well."""

    def __init__(self, attempts: int) -> None:
        super().__init__(max_retries=retry_policy(attempts))
        self.keyed = HTTPAdapter(max_retries=retry_policy(attempts, {"POST"}))

    def send(self, request, **kwargs):
        """Send `request`, by the adapter that retries POSTs if it has an Idempotency-Key."""
        if request.method == "POST" and IDEMPOTENCY_KEY in request.headers:
            return self.keyed.send(request, **kwargs)
        return super().send(request, **kwargs)

    def close(self) -> None:
        """Close both adapters' connections."""
        self.keyed.close()
        super().close()


def retrying_session(token: str, attempts: int) -> requests.Session:
    """A session that sends `token` and retries as this module says."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.headers["User-Agent"] = "ocrapp-client"
    adapter = IdempotentRetries(attempts)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
