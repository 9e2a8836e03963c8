"""OCR engines: each finds text fragments in an image; built once per process.

Languages are named as Tesseract names them (`eng`, `deu`, ...), for every engine.
"""

import os
import resource
import shutil
from collections.abc import Callable
from functools import cache
from typing import Protocol

from PIL import Image

from tasks.document import Fragment

ProgressCallback = Callable[[float, str], None]


class Engine(Protocol):
    """Finds text in an image: fragments with boxes in its pixels, and confidences."""

    name: str

    def recognize(
        self, image: Image.Image, languages: list[str], progress: ProgressCallback
    ) -> list[Fragment]: ...


class CountedEngine:
    """An engine that counts its calls, for the result to record how much OCR was done."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.name, self.calls = engine, engine.name, 0

    def recognize(self, *args) -> list[Fragment]:
        self.calls += 1
        return self.engine.recognize(*args)


def limit_threads() -> None:
    """Let Tesseract use one OpenMP thread: worker processes share the cores (5x faster)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def limit_memory(headroom_mb: int) -> None:
    """Cap this process's address space at what it holds now plus `headroom_mb`.

    Past the cap an allocation fails with MemoryError (or torch's RuntimeError), which
    fails the task, instead of the kernel killing a process or the machine swapping.
    """
    if headroom_mb <= 0:
        return
    with open("/proc/self/status") as status:
        held_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    cap = held_kb * 1024 + headroom_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.RLIM_INFINITY))


def available_engines() -> dict[str, list[str]]:
    """Return each engine this machine can run, with its languages, without loading any."""
    from tasks.engines import easyocr_engine, tesseract_engine

    engines = {"easyocr": easyocr_engine.languages()}
    if shutil.which("tesseract"):
        engines["tesseract"] = tesseract_engine.languages()
    return engines


@cache
def load_engine(name: str, threads: int) -> Engine:
    """Build the engine `name` once per process; later calls return the same one."""
    if name == "easyocr":
        from tasks.engines.easyocr_engine import EasyOcrEngine

        return EasyOcrEngine(threads=threads)
    if name == "tesseract":
        from tasks.engines.tesseract_engine import TesseractEngine

        return TesseractEngine()
    raise ValueError(f"unknown OCR engine {name!r}")
