"""How a corpus page reaches the OCR: through a flatbed scanner or a phone's camera."""

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    """Return the image after a round trip through JPEG at `quality`."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def lighting(size: tuple[int, int], rng: np.random.Generator, low: float) -> np.ndarray:
    """Return a smooth brightness field, from `low` on one side to 1 on the other."""
    width, height = size
    angle = rng.uniform(0, 2 * np.pi)
    columns = np.linspace(-0.5, 0.5, width, dtype=np.float32) * np.cos(angle)
    rows = np.linspace(-0.5, 0.5, height, dtype=np.float32) * np.sin(angle)
    ramp = rows[:, None] + columns[None, :] + 0.5  # 0 to 1 across the page, roughly
    return (1 - (1 - low) * np.clip(ramp, 0, 1))[..., None]


def finish(pixels: np.ndarray, rng: np.random.Generator, noise: float, quality: int) -> Image.Image:
    """Add sensor noise to float pixels, then compress them as the device would."""
    pixels += (rng.standard_normal(pixels.shape[:2], dtype=np.float32) * noise)[..., None]
    np.clip(pixels, 0, 255, out=pixels)
    return jpeg(Image.fromarray(pixels.astype(np.uint8)), quality)


def scanned(
    page: Image.Image, rng: np.random.Generator, askew: tuple[float, float] = (0.3, 1.5)
) -> Image.Image:
    """Return the page as a flatbed scanner gives it: askew (by `askew` degrees, either
    way), soft, speckled, unevenly lit."""
    angle = rng.uniform(*askew) * rng.choice([-1, 1])
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(250, 250, 247))
    return scanner_finish(page, rng)


def fed_askew(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the page as a document feeder scans a sheet it took in askew (2.5 to 5
    degrees), otherwise as a flatbed would."""
    return scanned(page, rng, askew=(2.5, 5.0))


def lid_open(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the page as a flatbed scans it with its lid open (a bound book's page): on
    the black of the room, laid 2 to 5 degrees askew near a corner of glass half as wide
    again and a third as tall again as the page."""
    angle = rng.uniform(2.0, 5.0) * rng.choice([-1, 1])
    night = (14, 14, 16)
    sheet = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=night)
    outline = Image.new("L", page.size, 255).rotate(angle, Image.Resampling.BICUBIC, expand=True)
    glass = Image.new("RGB", (round(page.width * 1.5), round(page.height * 1.33)), night)
    glass.paste(sheet, (int(rng.integers(20, 120)), int(rng.integers(20, 120))), outline)
    return scanner_finish(glass, rng)


def black_and_white(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the page as an office scanner's black-and-white mode gives it through its
    document feeder: askew by 0.5 to 4 degrees, at two thirds of the resolution (200 dpi),
    its paper stretched to white, each pixel black or white, greys dithered (Floyd-Steinberg)."""
    page = scanned(page, rng, askew=(0.5, 4.0)).convert("L")
    size = (round(page.width * 2 / 3), round(page.height * 2 / 3))
    page = page.resize(size, Image.Resampling.LANCZOS)
    white = float(np.percentile(np.asarray(page), 95))
    return page.point(lambda value: min(255, round(value * 255 / white))).convert("1")


def scanner_finish(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the page as a scanner's optics and compression leave it: soft, speckled, on
    off-white paper, unevenly lit."""
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    pixels = np.asarray(page, dtype=np.float32)
    pixels *= np.array([0.98, 0.97, 0.93], dtype=np.float32)  # off-white paper
    pixels *= lighting(page.size, rng, 0.86)
    return finish(pixels, rng, noise=rng.uniform(5, 9), quality=int(rng.integers(60, 76)))


def perspective(photo_corners: list, page_corners: list) -> list[float]:
    """Return PIL's perspective coefficients mapping photo pixels to page pixels."""
    rows, targets = [], []
    for (x, y), (u, v) in zip(photo_corners, page_corners, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        targets += [u, v]
    return list(np.linalg.solve(np.array(rows), np.array(targets)))


def shadow(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Return a brightness field with the soft shadow of a hand or phone across one corner."""
    width, height = size
    mask = Image.new("L", (width // 8, height // 8), 255)
    corner_x, corner_y = rng.choice([0, width // 8]), rng.choice([0, height // 8])
    reach_x, reach_y = rng.uniform(0.3, 0.6) * width / 8, rng.uniform(0.3, 0.5) * height / 8
    corners = [
        (corner_x, corner_y),
        (abs(corner_x - reach_x), corner_y),
        (corner_x, abs(corner_y - reach_y)),
    ]
    ImageDraw.Draw(mask).polygon(corners, fill=int(255 * rng.uniform(0.55, 0.7)))
    mask = mask.filter(ImageFilter.GaussianBlur(12)).resize(size, Image.Resampling.BILINEAR)
    return (np.asarray(mask, dtype=np.float32) / 255)[..., None]


def photographed(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return the page as a phone photo of it on a table: in perspective, shadowed, blurred."""
    photo_size = (1536, 2048)
    scale = min(1300 / page.width, 1750 / page.height)
    page = page.resize(
        (round(page.width * scale), round(page.height * scale)), Image.Resampling.LANCZOS
    )
    inset_x, inset_y = (photo_size[0] - page.width) / 2, (photo_size[1] - page.height) / 2
    keystone = rng.uniform(30, 90)  # the far edge looks narrower
    photo_corners = [
        (inset_x + keystone, inset_y),
        (photo_size[0] - inset_x - keystone, inset_y),
        (photo_size[0] - inset_x, photo_size[1] - inset_y),
        (inset_x, photo_size[1] - inset_y),
    ]
    photo_corners = [(x + rng.uniform(-50, 50), y + rng.uniform(-50, 50)) for x, y in photo_corners]
    page_corners = [(0, 0), (page.width, 0), (page.width, page.height), (0, page.height)]
    coefficients = perspective(photo_corners, page_corners)
    warp = {
        "method": Image.Transform.PERSPECTIVE,
        "data": coefficients,
        "resample": Image.Resampling.BICUBIC,
    }
    warped = page.transform(photo_size, **warp)
    inside = Image.new("L", page.size, 255).transform(photo_size, **warp)
    table = Image.new("RGB", photo_size, (96, 78, 62))
    photo = Image.composite(warped, table, inside).filter(
        ImageFilter.GaussianBlur(rng.uniform(1.2, 1.6))
    )
    light = lighting(photo_size, rng, 0.7) * shadow(photo_size, rng)
    cast = np.array([1.0, 0.95, 0.86], dtype=np.float32)
    pixels = np.asarray(photo, dtype=np.float32) * cast * light * rng.uniform(0.95, 1.05)
    return finish(pixels, rng, noise=rng.uniform(6, 10), quality=70)
