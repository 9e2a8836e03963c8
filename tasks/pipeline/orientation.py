"""Page orientation: a page scanned sideways or upside down is turned upright first."""

import logging
import shutil

from PIL import Image

log = logging.getLogger(__name__)
OSD_SIDE = 2000  # orientation needs no more detail than this
MIN_CONFIDENCE = 2.0  # below this Tesseract's guess is no better than chance


def detect_rotation(image: Image.Image) -> int:
    """Return the clockwise turn (0, 90, 180, 270) that makes the page upright.

    Uses Tesseract's orientation detection where Tesseract is installed, for every engine;
    a page with too little text to tell keeps its orientation.
    """
    if not shutil.which("tesseract"):
        return 0
    import pytesseract

    small = image.copy()
    small.thumbnail((OSD_SIDE, OSD_SIDE))
    try:
        osd = pytesseract.image_to_osd(small, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError as error:
        log.info("orientation not detected: %s", str(error).strip()[:200])
        return 0
    if osd["orientation_conf"] < MIN_CONFIDENCE:
        return 0
    return int(osd["rotate"]) % 360


def upright(image: Image.Image, rotation: int) -> Image.Image:
    """Turn `image` clockwise by `rotation` degrees."""
    return image.rotate(-rotation, expand=True) if rotation else image
