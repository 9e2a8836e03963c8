"""Where a page's lines of text are: EasyOCR's readtext detection, on a fraction of the pixels.

readtext runs CRAFT on the whole page at up to 2560 pixels (5 million for a 300 dpi page).
Here CRAFT sees only the inked part of the page, scaled so that its letters are about
DETECTOR_TEXT_HEIGHT pixels high (a fifth of those pixels for 300 dpi prose), and its words
are joined into lines by readtext's rules, in the page's own pixels. Where the coarser map
loses thin letters the full-resolution ink decides: words join across the blank between
their ink, and a line's ends take in ink that no region holds. Lines askew are cut askew.
"""

import math
from dataclasses import dataclass
from statistics import fmean

import cv2
import numpy as np
import torch
from easyocr.imgproc import normalizeMeanVariance

# Median height of the page's letters once scaled for CRAFT, in its pixels: readtext's
# scale gives 300 dpi prose about 18, and below about 10 single letters go missing.
DETECTOR_TEXT_HEIGHT = 11
# readtext's defaults: largest detector input, smallest region, score thresholds.
CANVAS_SIZE = 2560
MIN_SIZE = 20
LOW_TEXT, LINK_THRESHOLD = 0.4, 0.4
# readtext's is 0.7; on the coarser map a lone "I" or "a" peaks lower (measured).
TEXT_THRESHOLD = 0.5
# A line that rises across its length by more than this share of its height is cut askew.
SKEW_LIMIT = 0.25

Region = list  # [left, right, top, bottom] upright, or four [x, y] corners when askew


def find_regions(detector, rgb: np.ndarray, grey: np.ndarray, device: str) -> tuple[list, list]:
    """Return the page's upright and askew line regions, in the page's pixels."""
    ink = ink_mask(grey)
    if not ink.any():  # a blank page
        return [], []
    return regions(*craft_scores(detector, rgb, ink, device), ink)


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Return 1 where the grey page is darker than Otsu's threshold, else 0."""
    return cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]


def letter_height(ink: np.ndarray) -> float | None:
    """Return the median height of the letter-like blobs of ink, if the page has any."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    widths, heights = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    letters = (heights >= 4) & (widths <= 3 * heights) & (heights <= ink.shape[0] // 10)
    return float(np.median(heights[letters])) if letters.any() else None


def detector_scale(ink: np.ndarray) -> float:
    """Return the scale that makes the page's letters DETECTOR_TEXT_HEIGHT pixels high.

    Never larger than readtext's own scale, so that CRAFT never sees more pixels than there.
    """
    largest = min(1.0, CANVAS_SIZE / max(ink.shape))
    height = letter_height(ink)
    if not height:
        return largest
    return min(largest, max(DETECTOR_TEXT_HEIGHT / height, 0.2 * largest))


def inked_area(ink: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    """Return (left, top, right, bottom) around the page's ink, `margin` pixels wider."""
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = ink.shape
    if not rows.size:
        return 0, 0, width, height
    return (
        max(int(columns[0]) - margin, 0),
        max(int(rows[0]) - margin, 0),
        min(int(columns[-1]) + 1 + margin, width),
        min(int(rows[-1]) + 1 + margin, height),
    )


def craft_scores(detector, rgb: np.ndarray, ink: np.ndarray, device: str) -> tuple:
    """Run CRAFT on the inked part of the page, scaled; return its score maps and their place.

    The place: the page pixels per score-map pixel, and the page pixel of the maps' origin.
    """
    scale = detector_scale(ink)
    left, top, right, bottom = inked_area(ink, margin=math.ceil(32 / scale))
    part = rgb[top:bottom, left:right]
    size = (max(round(part.shape[1] * scale), 1), max(round(part.shape[0] * scale), 1))
    small = cv2.resize(part, size, interpolation=cv2.INTER_AREA) if scale < 1 else part
    # As readtext: padded with black to a multiple of 32, normalised as ImageNet.
    canvas = np.zeros((-(-size[1] // 32) * 32, -(-size[0] // 32) * 32, 3), np.float32)
    canvas[: size[1], : size[0]] = small
    batch = torch.from_numpy(normalizeMeanVariance(canvas).transpose(2, 0, 1)[None].copy())
    with torch.inference_mode():
        scores, _ = detector(batch.to(device))
    # The score maps have half the resolution of CRAFT's input.
    to_page = 2 * np.array([part.shape[1] / size[0], part.shape[0] / size[1]])
    return scores[0].float().cpu().numpy(), to_page, np.array([left, top])


def regions(scores: np.ndarray, to_page, origin, ink: np.ndarray) -> tuple[list, list]:
    """Return upright and askew line regions from CRAFT's score maps, in page pixels."""
    words = [
        Word((box * to_page + origin).astype(np.int32))
        for box in word_boxes(scores[:, :, 0], scores[:, :, 1])
    ]
    upright, askew = lines(words, ink)
    return widen_lines(upright, askew, ink), askew


def word_boxes(text_map: np.ndarray, link_map: np.ndarray) -> list[np.ndarray]:
    """Return CRAFT's word rectangles as EasyOCR's getDetBoxes does, looking near each only.

    getDetBoxes fills and scans a page-sized map for every word: seconds a page.
    """
    text_score, link_score = text_map > LOW_TEXT, link_map > LINK_THRESHOLD
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (text_score | link_score).astype(np.uint8), connectivity=4
    )
    map_height, map_width = text_map.shape
    boxes = []
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        if area < 10:
            continue
        grow = int(math.sqrt(area * min(w, h) / (w * h)) * 2)
        window = np.s_[
            max(y - grow, 0) : min(y + h + grow + 1, map_height),
            max(x - grow, 0) : min(x + w + grow + 1, map_width),
        ]
        word = labels[window] == label
        if text_map[window][word].max() < TEXT_THRESHOLD:
            continue
        segment = (word & ~(link_score[window] & ~text_score[window])).astype(np.uint8)
        segment = cv2.dilate(segment, np.ones((1 + grow, 1 + grow), np.uint8))
        rows, columns = np.nonzero(segment)
        boxes.append(rectangle(np.stack([columns + window[1].start, rows + window[0].start], 1)))
    return boxes


def rectangle(points: np.ndarray) -> np.ndarray:
    """Return the smallest rotated rectangle around `points`, clockwise from top-left."""
    box = cv2.boxPoints(cv2.minAreaRect(points))
    width, height = np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[1] - box[2])
    if abs(1 - max(width, height) / (min(width, height) + 1e-5)) <= 0.1:
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        box = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], np.float32)
    return np.roll(box, 4 - box.sum(axis=1).argmin(), 0)


@dataclass
class Word:
    """A word, or a few, that CRAFT found: corners clockwise from top-left, in page pixels."""

    corners: np.ndarray

    def __post_init__(self) -> None:
        (self.left, self.top), (self.right, self.bottom) = self.corners.min(0), self.corners.max(0)
        self.middle, self.height = (self.top + self.bottom) / 2, self.bottom - self.top

    @property
    def level(self) -> bool:
        """Whether its top and bottom edges slope by less than readtext's 0.1."""
        (x1, y1), (x2, y2), (x3, y3), (x4, y4) = self.corners
        return max(abs(y2 - y1) / max(10, x2 - x1), abs(y3 - y4) / max(10, x3 - x4)) < 0.1


def lines(words: list[Word], ink: np.ndarray) -> tuple[list, list]:
    """Join words into lines as readtext does; return upright boxes and askew quadrilaterals.

    readtext cuts a line askew by up to 6 degrees as an upright box, which on a scan holds
    parts of the lines above and below; here a line that rises by more than SKEW_LIMIT of
    its height is cut along its slant instead, as readtext cuts a steeper word.
    """
    upright, askew = [], []
    runs = [run for row in _rows([word for word in words if word.level]) for run in _runs(row, ink)]
    for run in runs + [[word] for word in words if not word.level]:
        corners = np.concatenate([word.corners for word in run])
        quad = rectangle(corners)
        along, across = quad[1] - quad[0], quad[3] - quad[0]
        if run[0].level and abs(along[1]) <= SKEW_LIMIT * np.linalg.norm(across):
            upright.append(_upright_box(corners))
        else:
            askew.append(_with_margin(quad, along, across))
    upright = [box for box in upright if max(box[1] - box[0], box[3] - box[2]) > MIN_SIZE]
    askew = [quad.tolist() for quad in askew if max(np.ptp(quad, axis=0)) > MIN_SIZE]
    return upright, askew


def _rows(words: list[Word]) -> list[list[Word]]:
    """Group words whose middles are within half their height, top to bottom (readtext's)."""
    rows = []
    for word in sorted(words, key=lambda word: word.middle):
        row = rows[-1] if rows else []
        if row and abs(fmean(w.middle for w in row) - word.middle) < 0.5 * fmean(
            w.height for w in row
        ):
            row.append(word)
        else:
            rows.append([word])
    return rows


def _runs(row: list[Word], ink: np.ndarray) -> list[list[Word]]:
    """Split a row where the height changes by half or the gap is half a height (readtext's).

    The gap is the widest blank between the words' ink, not between their boxes: a word
    whose thin first or last letter CRAFT dropped still joins its neighbours.
    """
    runs = [[]]
    for word in sorted(row, key=lambda word: word.left):
        run = runs[-1]
        if run and _joins(run, word, _blank_between(ink, run[-1], word)):
            run.append(word)
        else:
            runs.append([word])
    return runs[1:]


def _joins(run: list[Word], word: Word, blank: int) -> bool:
    """Whether the word continues the run: as tall and close by (readtext's), or touching it.

    A letter that CRAFT boxed apart, such as the 1 of 1740, can be much shorter than its word.
    """
    mean_height = fmean(w.height for w in run)
    similar = abs(mean_height - word.height) < 0.5 * mean_height
    return blank < 0.5 * word.height and (similar or blank < 0.2 * max(mean_height, word.height))


def _blank_between(ink: np.ndarray, first: Word, second: Word) -> int:
    """Return the widest run of blank columns between two words, across both their middles."""
    top = max(first.top + first.height // 4, second.top + second.height // 4, 0)
    bottom = min(first.bottom - first.height // 4, second.bottom - second.height // 4)
    if bottom <= top or second.left <= first.right:
        return max(second.left - first.right, 0)
    return _widest_blank(ink[top:bottom, max(first.right, 0) : max(second.left, 0)].any(axis=0))


def _widest_blank(inked: np.ndarray) -> int:
    """Return the length of the longest run of False in a row of booleans."""
    edges = np.flatnonzero(np.diff(np.concatenate([[True], inked, [True]]).astype(np.int8)))
    return int(np.max(np.diff(edges)[::2], initial=0))


def _upright_box(corners: np.ndarray) -> Region:
    """Return [left, right, top, bottom] around the corners, with readtext's margin."""
    (left, top), (right, bottom) = corners.min(0), corners.max(0)
    margin = int(0.1 * min(right - left, bottom - top))
    return [left - margin, right + margin, top - margin, bottom + margin]


def _with_margin(quad: np.ndarray, along: np.ndarray, across: np.ndarray) -> np.ndarray:
    """Return the rectangle grown all round by readtext's margin, a tenth of its height."""
    length, height = np.linalg.norm(along), np.linalg.norm(across)
    margin = 0.1 * min(length, height)
    out, down = along / max(length, 1) * margin, across / max(height, 1) * margin
    return quad + np.array([-out - down, out - down, out + down, -out + down])


def widen_lines(upright: list[Region], askew: list[Region], ink: np.ndarray) -> list[Region]:
    """Move each upright line's ends out over ink that CRAFT left out of every region.

    On a scaled-down page CRAFT can drop a thin letter at the end of a line, such as the 1
    of 1951, which would then be read as 951. Ink closer than readtext's half a height is
    taken in, up to the next region of the same line.
    """
    spans = [(left, right, (top + bottom) / 2) for left, right, top, bottom in upright]
    spans += [(min(x for x, _ in q), max(x for x, _ in q), fmean(y for _, y in q)) for q in askew]
    widened = []
    for number, (left, right, top, bottom) in enumerate(upright):
        height = bottom - top
        rows = slice(max(top + height // 4, 0), max(bottom - height // 4, 0))
        taken = np.zeros(ink.shape[1], bool)
        for other, (start, end, middle) in enumerate(spans):
            if other != number and rows.start <= middle < rows.stop:
                taken[max(int(start), 0) : max(math.ceil(end), 0)] = True
        margin = height // 12  # readtext's, a tenth of the text's height
        line = LineInk(ink[rows].any(axis=0), taken, reach=3 * height, space=5 * height // 12)
        left = min(left, line.last_ink(left + margin, -1) - margin)
        right = max(right, line.last_ink(right - margin - 1, 1) + 1 + margin)
        widened.append([left, right, top, bottom])
    return widened


@dataclass
class LineInk:
    """The inked columns across a line's middle, and the columns other regions of it hold."""

    inked: np.ndarray
    taken: np.ndarray
    reach: int
    space: int

    def last_ink(self, edge: int, step: int) -> int:
        """Walk out from `edge` until a blank of `space` or a taken column; return the last ink."""
        last, blank = edge, 0
        for column in range(edge + step, edge + step * self.reach, step):
            if not 0 <= column < len(self.inked) or self.taken[column]:
                break
            if self.inked[column]:
                last, blank = column, 0
            else:
                blank += 1
                if blank >= max(self.space, 2):
                    break
        return last
