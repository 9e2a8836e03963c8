"""Ink: the pixels of a page darker than the paper around them, on the page made small."""

import numpy as np
from PIL import Image, ImageFilter

# A pixel darker than this share of the paper around it is ink. The paper around a pixel is
# the brightest in its block of the page (as made small) and the eight blocks beside it:
# paper in shadow stays paper, and a dark scanner bed or table around a small page is not ink.
INK_SHADE = 0.75
PAPER_BLOCK = 16  # pixels (as made small): more than a letter's stroke, less than a line apart
# Blocks darker than this share of the page's bright paper (its 90th percentile) are not
# paper, and hold no ink: the scanner bed, the table, a dark photograph.
PAPER_SHADE = 0.3


def ink(image: Image.Image, scale: float) -> np.ndarray:
    """Return which pixels of the page, made `scale` times its size, are ink."""
    return ink_on_paper(image, scale)[0]


def ink_on_paper(image: Image.Image, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Return which pixels of the page, made `scale` times its size, are ink, and the
    brightness of the paper around each."""
    gray = image.convert("L")
    size = (max(round(gray.width * scale), 1), max(round(gray.height * scale), 1))
    small = gray.resize(size, Image.Resampling.BILINEAR) if scale != 1 else gray
    pixels = np.asarray(small, dtype=np.float32)
    # The paper from the page a little blurred: one bright speck of noise is not paper.
    paper = _paper_around(np.asarray(small.filter(ImageFilter.BoxBlur(1)), dtype=np.float32))
    inked = (pixels < paper * INK_SHADE) & (paper > np.percentile(paper, 90) * PAPER_SHADE)
    return inked, paper


def _paper_around(pixels: np.ndarray) -> np.ndarray:
    """Return, for each pixel, the brightest pixel in its block and the eight beside it."""
    height, width = pixels.shape
    down, across = -(-height // PAPER_BLOCK), -(-width // PAPER_BLOCK)
    padding = ((0, down * PAPER_BLOCK - height), (0, across * PAPER_BLOCK - width))
    blocks = np.pad(pixels, padding, mode="edge").reshape(down, PAPER_BLOCK, across, PAPER_BLOCK)
    brightest = np.pad(blocks.max(axis=(1, 3)), 1, mode="edge")
    beside = [
        brightest[row : row + down, column : column + across]
        for row in range(3)
        for column in range(3)
    ]
    paper = np.max(beside, axis=0)
    return np.repeat(np.repeat(paper, PAPER_BLOCK, 0), PAPER_BLOCK, 1)[:height, :width]
