"""OCR engines: each turns an image into a page of lines; loaded once per process."""

from collections.abc import Callable
from functools import cache
from typing import Protocol

from PIL import Image

from tasks.document import Page

ProgressCallback = Callable[[int, str], None]


class Engine(Protocol):
    name: str

    def recognize(self, image: Image.Image, progress: ProgressCallback) -> Page: ...


@cache
def load_engine(name: str, threads: int) -> Engine:
    """Build the engine `name` once per process; later calls return the same one."""
    if name == "easyocr":
        from tasks.engines.easyocr_engine import EasyOcrEngine

        return EasyOcrEngine(threads=threads)
    raise ValueError(f"unknown OCR engine {name!r}; available: easyocr")
