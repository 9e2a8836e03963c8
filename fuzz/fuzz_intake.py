"""Fuzz the intake of uploads: type detection, size checks, and page decoding.

Run with `make fuzz` (FUZZ_SECONDS, default 60). Any exception other than the clear
errors we raise on purpose is a finding: turn it into a test in tests/web/test_hostile.py.
"""

import sys

import atheris

with atheris.instrument_imports():
    from ocrapp.core.errors import DomainError
    from ocrapp.core.inspection import check_size, detect_type
    from tasks.pipeline.sources import image_pages, pdf_pages

MAX_PIXELS = 4_000_000  # small, so that one input cannot take long to decode


def intake(data: bytes) -> None:
    """Run one input through what the API and the worker do with an upload."""
    try:
        detected = detect_type(data)
        check_size(data, detected, MAX_PIXELS, 20)
    except DomainError:
        return  # a clear refusal at upload
    try:
        if detected.file_type == "pdf":
            _, pages = pdf_pages(data, 72, MAX_PIXELS, force_ocr=False)
        else:
            _, pages = image_pages(data, MAX_PIXELS)
        for _ in pages:
            pass
    except DomainError:
        return  # a clear failure in the worker


def main() -> None:
    """Fuzz `intake` with libFuzzer's arguments (see `make fuzz`)."""
    atheris.Setup(sys.argv, lambda data: intake(bytes(data)))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
