"""Plain text as results are written, shared by the worker and the API's single pages.

Imports nothing, so the worker's pipeline may use it.
"""

PAGE_BREAK = "\n\f\n"


def plain_text(page_texts: list[str]) -> bytes:
    """Write the pages' texts as a txt result: pages apart by a form feed, a final newline."""
    return (PAGE_BREAK.join(page_texts) + "\n").encode()
