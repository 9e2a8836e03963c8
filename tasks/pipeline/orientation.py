"""Page orientation: a page scanned sideways or upside down is turned upright, and a page
fed askew is levelled, before it is read."""

import logging
import shutil

import numpy as np
from PIL import Image, ImageFilter, ImageStat

from tasks.pipeline.ink import ink
from tasks.pipeline.page_images import black_and_white

log = logging.getLogger(__name__)
OSD_SIDE = 2000  # orientation needs no more detail than this
MIN_CONFIDENCE = 2.0  # below this Tesseract's guess is no better than chance

SKEW_LIMIT = 10.0  # degrees either way that a page's lines are looked for
SKEW_STEP = 0.5  # degrees between the angles tried first; then a tenth of it around the best
# Tesseract reads a page askew by less as well as levelled: turning it would only resample it.
SMALLEST_SKEW = 0.5
# The page is measured at most this many pixels across (enough to tell a line's slope to a
# twentieth of a degree) and four times as many down, and never enlarged.
SKEW_WIDTH = 800
MIN_INK = 200  # inked pixels (as measured) a page or a half of it needs to tell its lines by
# Lines stand out where the rows of ink at the best angle are this many times sharper than at
# the median angle: 7 and more on text pages; under 2 for a photo of a scene or sideways text.
LINES_CONTRAST = 3.0
# Each half of the page (top, bottom, left, right) with lines of its own must find them at
# the page's angle, give or take this: hatching across the top, a chart's rising lines or
# a clipping pasted askew beside level text are not the page's skew.
HALVES_AGREE = 1.0
# A bilevel page (black and white: a fax, an office scanner's black-and-white mode) is
# smoothed by this many pixels before it is turned, then made black and white again: turned
# as it is, its dither's dots blended into grey textures that Tesseract read as noise.
BILEVEL_SMOOTHING = 0.8
# Then a pixel on clear paper is white from BILEVEL_WHITE: a lone dot, smoothed to about
# 190, fades; a line a pixel wide, about 130, stays (at half way, thin rules and small type
# were lost). Within a tint's dots it is white from TINT_WHITE, half way: at 160, the dots
# behind a shaded header merged over its words. Clear paper: the median of the 4-pixel
# squares around the pixel, SURROUNDINGS across, is CLEAR_PAPER or brighter (letters left out).
BILEVEL_WHITE = 160
TINT_WHITE = 128
CLEAR_PAPER = 215
SURROUNDINGS = 9


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


def detect_skew(image: Image.Image) -> float:
    """Return the angle in degrees (anticlockwise) that the page's lines rise by, to level
    it by: 0 where it is askew by less than half a degree, or has no lines to tell by.

    The rows of ink are sharpest when sheared along the lines (Postl's projection
    profile); on an upright page turned sideways they are nowhere sharp.
    """
    ink = _ink(image)
    skew = _sharpest_angle(*ink)
    if skew is None or not all(_agrees(half, skew) for half in _halves(*ink)):
        return 0.0
    rows, columns = ink
    low, high = max(skew - SKEW_STEP, -SKEW_LIMIT), min(skew + SKEW_STEP, SKEW_LIMIT)
    close = np.linspace(low, high, round((high - low) / SKEW_STEP * 10) + 1)
    skew = round(float(max(close, key=lambda angle: _sharpness(rows, columns, angle))), 2)
    return skew if abs(skew) >= SMALLEST_SKEW else 0.0


def level(image: Image.Image, skew: float) -> Image.Image:
    """Turn `image` back by `skew` degrees so that its lines run level, on its own size;
    the corners it turns in are the paper's colour."""
    if not skew:
        return image
    if black_and_white(image):
        return _level_bilevel(image, skew)
    paper = _paper_colour(image)
    return image.rotate(-skew, resample=Image.Resampling.BILINEAR, fillcolor=paper)


def _level_bilevel(image: Image.Image, skew: float) -> Image.Image:
    """Level a black-and-white page and keep it black and white: smoothed (a dither's
    lone dots fade), turned, then made black and white again."""
    gray = image.convert("L").filter(ImageFilter.GaussianBlur(BILEVEL_SMOOTHING))
    turned = gray.rotate(-skew, resample=Image.Resampling.BILINEAR, fillcolor=_paper_colour(gray))
    surroundings = np.asarray(_surroundings(turned))
    white = np.where(surroundings >= CLEAR_PAPER, BILEVEL_WHITE, TINT_WHITE)
    bilevel = np.where(np.asarray(turned) >= white, 255, 0).astype(np.uint8)
    return Image.fromarray(bilevel).convert(image.mode)


def _surroundings(gray: Image.Image) -> Image.Image:
    """Return the brightness around each pixel of `gray`, letters left out: the median of
    the 4-pixel squares about it (a tint's dots are grey there; the paper between lines of
    type is paper)."""
    squares = gray.reduce(4).filter(ImageFilter.MedianFilter(SURROUNDINGS))
    return squares.resize(gray.size, Image.Resampling.NEAREST)


def straighten(image: Image.Image, rotation: int = 0) -> tuple[Image.Image, float]:
    """Turn `image` upright by `rotation`, then level it; return it and its skew."""
    turned = upright(image, rotation)
    skew = detect_skew(turned)
    return level(turned, skew), skew


def set_straight(image: Image.Image, rotation: int, skew: float) -> Image.Image:
    """Turn `image` again as `straighten` turned it to be read: upright, then levelled."""
    return level(upright(image, rotation), skew)


def _sharpest_angle(rows: np.ndarray, columns: np.ndarray) -> float | None:
    """Return the angle tried at which the ink falls into the sharpest rows, or None where
    there is too little ink, or no angle stands out."""
    if len(rows) < MIN_INK:
        return None
    angles = np.arange(-SKEW_LIMIT, SKEW_LIMIT + SKEW_STEP / 2, SKEW_STEP)
    sharpness = [_sharpness(rows, columns, angle) for angle in angles]
    if max(sharpness) < LINES_CONTRAST * float(np.median(sharpness)):
        return None
    return float(angles[int(np.argmax(sharpness))])


def _halves(rows: np.ndarray, columns: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the ink of the page's top, bottom, left and right halves."""
    top, left = rows < np.median(rows), columns < np.median(columns)
    return [(rows[part], columns[part]) for part in (top, ~top, left, ~left)]


def _agrees(half: tuple[np.ndarray, np.ndarray], skew: float) -> bool:
    """Whether a half of the page has its lines at `skew`, or none to tell by."""
    angle = _sharpest_angle(*half)
    return angle is None or abs(angle - skew) <= HALVES_AGREE


def _ink(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows and columns (from the middle) of the page's ink, made small."""
    scale = min(1.0, SKEW_WIDTH / image.width, 4 * SKEW_WIDTH / image.height)
    mask = ink(image, scale)
    rows, columns = np.nonzero(mask)
    return rows, columns - mask.shape[1] / 2


def _sharpness(rows: np.ndarray, columns: np.ndarray, angle: float) -> float:
    """How sharply the ink falls into rows when sheared by `angle`: the summed squares of
    the changes from each row's count to the next."""
    sheared = np.round(rows + columns * np.tan(np.radians(angle))).astype(np.int64)
    counts = np.bincount(sheared - sheared.min()).astype(np.float64)
    return float(np.square(np.diff(counts)).sum())


def _paper_colour(image: Image.Image) -> int | tuple[int, ...]:
    """Return the image's median colour: its paper's, on a page of text."""
    small = image.reduce(max(1, max(image.size) // 200))
    median = ImageStat.Stat(small).median
    return median[0] if len(median) == 1 else tuple(median)
