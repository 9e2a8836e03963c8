"""Progress of a task over its pages, reported a few times a second at most."""

import time

from ocrapp.core import lifecycle
from ocrapp.core.runs import Run


class PageProgress:
    """Turn (page, fraction of the page) into progress updates of `run`, throttled."""

    def __init__(self, run: Run, page_count: int, interval: float) -> None:
        self.run, self.page_count, self.interval = run, page_count, interval
        self.page = 1
        self.last_report = 0.0
        self.percent = 0

    def start_page(self, number: int, slow: bool) -> None:
        """Report that page `number` begins; always when it is `slow` (to be OCR'd)."""
        self.page = number
        self._report(0.0, "", force=slow)

    def within_page(self, fraction: float, detail: str) -> None:
        """Report progress within the current page, unless the last report is too recent."""
        self._report(fraction, f": {detail}" if detail else "")

    def _report(self, fraction: float, detail: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_report < self.interval:
            return
        self.last_report = now
        # Never backwards (a page read again upright), and 100 only once completed.
        self.percent = max(
            self.percent, min(99, int(100 * (self.page - 1 + fraction) / self.page_count))
        )
        percent = self.percent
        message = f"Page {self.page} of {self.page_count}{detail}"
        lifecycle.report_progress(
            self.run.task_id, percent, message, self.page, self.page_count, self.run
        )
