"""Drawing corpus pages to PDF with reportlab's built-in fonts, checking that all text fits."""

import io
from functools import cache

import numpy as np
from PIL import Image
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from bench.corpus_layout import Figure, PageLayout, Region, Style, Text

POINTS = 72  # per inch


def wrap(words: list[str], style: Style, first_width: float, width: float) -> list[list[str]]:
    """Break words into lines no wider than the widths (the first line may be narrower)."""
    lines, line = [], []
    for word in words:
        limit = first_width if not lines else width
        if line and stringWidth(" ".join([*line, word]), style.font, style.size) > limit:
            lines.append(line)
            line = []
        line.append(word)
    return [*lines, line]


def draw_line(
    canvas: Canvas, words: list[str], style: Style, x: float, y: float, width: float, last: bool
) -> None:
    """Draw one line of words at baseline y within `width` points, aligned as the style says."""
    text = " ".join(words)
    used = stringWidth(text, style.font, style.size)
    if used > width + 0.5:  # a word longer than the line: it would run into the next column
        raise ValueError(f"{text!r} is wider than its region")
    if style.align == "justify" and not last and len(words) > 1:
        widths = [stringWidth(word, style.font, style.size) for word in words]
        gap = (width - sum(widths)) / (len(words) - 1)
        for word, word_width in zip(words, widths, strict=True):
            canvas.drawString(x, y, word)
            x += word_width + gap
        return
    offset = {"right": width - used, "center": (width - used) / 2}.get(style.align, 0)
    canvas.drawString(x + offset, y, text)


def draw_text(canvas: Canvas, block: Text, x: float, top: float, width: float) -> float:
    """Draw a text block below `top` (points from the bottom); return the height it took."""
    style = block.style
    canvas.setFont(style.font, style.size)
    # Each line takes `leading`; its glyphs (ascenders to descenders) are centred in it.
    baseline = top - style.leading / 2 - style.size * 0.27
    lines_drawn = 0
    for number, part in enumerate(block.text.split("\n")):
        words = part.split()
        if style.hang:
            canvas.drawString(x, baseline - lines_drawn * style.leading, words.pop(0))
        indent = style.hang + (style.first_indent if number == 0 else 0)
        lines = wrap(words, style, width - indent, width - style.hang)
        for index, line in enumerate(lines):
            left = x + (indent if index == 0 else style.hang)
            y = baseline - lines_drawn * style.leading
            draw_line(canvas, line, style, left, y, x + width - left, index == len(lines) - 1)
            lines_drawn += 1
    return lines_drawn * style.leading + style.space_after


@cache
def photo_png() -> bytes:
    """Return a made-up landscape photograph as PNG: sky, sun, hills and grain; no text."""
    height, width = 300, 600
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    sky = np.stack([120 + 0.3 * rows, 160 + 0.2 * rows, 230 - 0.1 * rows], axis=-1)
    sun = np.exp(-((columns - 450) ** 2 + (rows - 80) ** 2) / 900)[..., None] * 120
    pixels = sky + sun
    hills = rows > 200 + 40 * np.sin(columns / 70) + 20 * np.cos(columns / 23)
    pixels[hills] = np.stack([60 + 0.2 * rows, 110 - 0.1 * rows, 50 + 0 * rows], -1)[hills]
    pixels += np.random.default_rng(7).normal(0, 9, pixels.shape)
    png = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(png, format="PNG")
    return png.getvalue()


def draw_chart(canvas: Canvas, x: float, bottom: float, width: float, height: float) -> None:
    """Draw a bar chart of two series by month: axes and bars, no labels."""
    canvas.setLineWidth(1)
    canvas.line(x, bottom, x + width, bottom)
    canvas.line(x, bottom, x, bottom + height)
    series = [(0.45, 0.5, 0.62), (0.58, 0.66, 0.88)]
    slot = width / 3
    for month in range(3):
        for number, values in enumerate(series):
            canvas.setFillColor(HexColor("#999999" if number == 0 else "#222222"))
            left = x + month * slot + slot * (0.2 + 0.3 * number)
            canvas.rect(left, bottom, slot * 0.28, height * values[month], stroke=0, fill=1)


def draw_figure(canvas: Canvas, figure: Figure, x: float, top: float, width: float) -> float:
    """Draw a figure whose top edge is at `top` (points from the bottom); return its height."""
    width = figure.width * POINTS if figure.width else width
    height = figure.height * POINTS
    if figure.kind == "photo":
        canvas.drawImage(ImageReader(io.BytesIO(photo_png())), x, top - height, width, height)
    elif figure.kind == "chart":
        draw_chart(canvas, x, top - height, width, height)
    elif figure.kind == "rule":
        canvas.setLineWidth(1.2)
        canvas.line(x, top - height / 2, x + width, top - height / 2)
    elif figure.kind != "blank":
        raise ValueError(f"unknown figure {figure.kind!r}")
    return height + figure.space_after


def measure(region: Region) -> float:
    """Return the height the region's blocks take, in points, by drawing them on scrap paper."""
    return draw_blocks(Canvas(io.BytesIO()), region, 10_000)


def draw_blocks(canvas: Canvas, region: Region, top: float) -> float:
    """Draw the region's blocks from `top` (points from the bottom); return their height."""
    x, width, y = region.left * POINTS, region.width * POINTS, top
    last_space = 0
    for block in region.blocks:
        if isinstance(block, Figure):
            y -= draw_figure(canvas, block, x, y, width)
            last_space = block.space_after
            continue
        canvas.setFillColor(HexColor(region.color or block.style.color))
        y -= draw_text(canvas, block, x, y, width)
        last_space = block.style.space_after
    return top - y - last_space


def region_box(region: Region, content_height: float) -> tuple[float, float, float, float]:
    """Return the inches the region covers, padding included: left, top, right, bottom."""
    height = max(content_height / POINTS, region.height or 0)
    pad = region.padding
    return (
        region.left - pad,
        region.top - pad,
        region.left + region.width + pad,
        region.top + height + pad,
    )


def check_placement(layout: PageLayout, boxes: list[tuple[float, float, float, float]]) -> None:
    """Raise ValueError if a region leaves the page or overlaps another (text that overflowed)."""
    width, height = layout.size
    for number, (left, top, right, bottom) in enumerate(boxes):
        if left < -0.01 or top < -0.01 or right > width + 0.01 or bottom > height + 0.01:
            raise ValueError(f"{layout.name}: region {number} leaves the page")
        for other, (left2, top2, right2, bottom2) in enumerate(boxes[:number]):
            if (
                left < right2 - 0.01
                and left2 < right - 0.01
                and top < bottom2 - 0.01
                and top2 < bottom - 0.01
            ):
                raise ValueError(f"{layout.name}: regions {other} and {number} overlap")


def draw_pdf(layout: PageLayout) -> bytes:
    """Draw the page to a one-page PDF, checking that every region fits where it is placed."""
    buffer = io.BytesIO()
    width, height = layout.size
    canvas = Canvas(buffer, pagesize=(width * POINTS, height * POINTS), invariant=1)
    canvas.setFillColor(HexColor(layout.background))
    canvas.rect(0, 0, width * POINTS, height * POINTS, stroke=0, fill=1)
    boxes = []
    for region in layout.regions:
        boxes.append(region_box(region, measure(region)))
        if region.background:
            left, top, right, bottom = boxes[-1]
            canvas.setFillColor(HexColor(region.background))
            box = [left, height - bottom, right - left, bottom - top]
            canvas.rect(*[value * POINTS for value in box], stroke=0, fill=1)
        if region.border:
            left, top, right, bottom = boxes[-1]
            canvas.setStrokeColor(HexColor("#000000"))
            canvas.setLineWidth(region.border)
            box = [left, height - bottom, right - left, bottom - top]
            canvas.rect(*[value * POINTS for value in box], stroke=1, fill=0)
        draw_blocks(canvas, region, (height - region.top) * POINTS)
    check_placement(layout, boxes)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
