"""Generated parts of the Markdown docs: the text between two markers, rewritten from code."""


def replace_section(document: str, generated: str, markers: tuple[str, str]) -> str:
    """Return `document` with the text between `markers` replaced by `generated`."""
    start, end = markers
    before, found, rest = document.partition(start)
    _, found_end, after = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"the document has no {start} ... {end} part")
    return f"{before}{start}\n{generated.rstrip(chr(10))}\n{end}{after}"
