"""OCR engines: each finds text fragments in an image; built once per process.

Languages are named as Tesseract names them (`eng`, `deu`, ...), for every engine.
"""

import os
import shutil
from collections.abc import Callable
from functools import cache
from typing import Protocol

from PIL import Image

from tasks.pipeline.document import Fragment

ProgressCallback = Callable[[float, str], None]


class Engine(Protocol):
    """Finds text in an image: fragments with boxes in its pixels, and confidences."""

    name: str

    def recognize(
        self, image: Image.Image, languages: list[str], progress: ProgressCallback
    ) -> list[Fragment]: ...


def limit_threads() -> None:
    """Let Tesseract use one OpenMP thread: worker processes share the cores (5x faster)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


# An engine made of others (tasks.pipeline.reading): what it needs loaded.
PARTS = {"auto": ("tesseract", "easyocr")}
# A language setting, not a language: the page's own, detected from a first reading.
AUTO_LANGUAGE = "auto"


def available_engines(device: str = "auto") -> dict[str, dict]:
    """Return each engine this machine can run, with its languages and device, unloaded.

    `auto` (Tesseract, and EasyOCR for pages Tesseract reads poorly) and the language
    `auto` (the page's own, detected) are offered where Tesseract is installed.
    """
    from tasks.pipeline.engines import easyocr_engine, tesseract_engine

    easyocr = {"languages": easyocr_engine.languages(), "device": resolve_device(device)}
    engines = {"easyocr": easyocr}
    if shutil.which("tesseract"):
        languages = [*tesseract_engine.languages(), AUTO_LANGUAGE]
        engines["tesseract"] = {"languages": languages, "device": "cpu"}
        engines["auto"] = {"languages": languages, "device": easyocr["device"]}
    return engines


def resolve_device(setting: str) -> str:
    """Return the torch device `OCR_DEVICE` names: `auto` is CUDA where a GPU is present."""
    from tasks.pipeline.engines.easyocr_engine import resolve_device as easyocr_device

    return easyocr_device(setting)


@cache
def load_engine(name: str, threads: int = 1, device: str = "auto") -> Engine:
    """Build the engine `name` once per process; later calls return the same one."""
    if name == "easyocr":
        from tasks.pipeline.engines.easyocr_engine import EasyOcrEngine

        return EasyOcrEngine(threads=threads, device=resolve_device(device))
    if name == "tesseract":
        from tasks.pipeline.engines.tesseract_engine import TesseractEngine

        return TesseractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
