"""A web process's short memory of the API tokens it verified, so a request costs no query.

A token revoked in this process is forgotten once the revocation commits; one revoked by
another process (another web process, the CLI) still passes here for at most
`VERIFIED_TOKEN_SECONDS` (a setting). An expiry is checked on every use, as without the
memory.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event

from ocrapp.core.models import as_utc, utcnow

# Past this many tokens the memory starts again: a bound on what it can hold.
MOST_REMEMBERED = 10_000


@dataclass(frozen=True)
class Caller:
    """Who a verified token speaks for, and until when it may."""

    user_id: int
    is_admin: bool
    token_id: int
    expires_at: datetime | None


class VerifiedTokens:
    """Verified tokens by their hash, each trusted for the seconds it was remembered for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callers: dict[str, tuple[float, Caller]] = {}

    def recall(self, digest: str) -> Caller | None:
        """Return the caller of a token still trusted and unexpired."""
        remembered = self._callers.get(digest)
        if remembered is None or remembered[0] < time.monotonic():
            return None
        caller = remembered[1]
        if caller.expires_at is not None and as_utc(caller.expires_at) <= utcnow():
            return None
        return caller

    def remember(self, digest: str, caller: Caller, seconds: float) -> None:
        """Trust the token with hash `digest` for `seconds` (0: not at all)."""
        if seconds <= 0:
            return
        with self._lock:
            if len(self._callers) >= MOST_REMEMBERED:
                self._callers.clear()
            self._callers[digest] = (time.monotonic() + seconds, caller)

    def forget(self, token_ids: set[int]) -> None:
        """Stop trusting the tokens `token_ids`."""
        with self._lock:
            for digest, (_, caller) in list(self._callers.items()):
                if caller.token_id in token_ids:
                    del self._callers[digest]

    def forget_after_commit(self, session, token_ids: set[int]) -> None:
        """Forget `token_ids` once `session` commits (their revocation): not before, when a
        request could still read them live and remember them again."""
        event.listen(session, "after_commit", lambda _: self.forget(token_ids), once=True)


verified_tokens = VerifiedTokens()
