"""Where a task's time goes: the seconds of each stage of a page, logged as the page ends."""

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


class StageClock:
    """Add up the seconds spent in named stages until they are reported."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Count the time spent in the `with` block towards stage `name`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def timed(self, items: Iterable, name: str) -> Iterator:
        """Yield from `items`, counting the time each takes to come towards stage `name`."""
        iterator = iter(items)
        while True:
            with self.stage(name):
                item = next(iterator, None)
            if item is None:
                return
            yield item

    def report(self, what: str) -> None:
        """Log the stages' seconds for `what` (a page, the results) and start counting anew."""
        stages = {name: round(seconds, 4) for name, seconds in self.seconds.items()}
        spent = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in stages.items())
        log.info("%s: %s", what, spent, extra={"stages": stages})
        self.seconds = {}
