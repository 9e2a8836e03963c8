"""What recognition produces: pages of blocks of lines of words, each with a box."""

from dataclasses import dataclass, field
from statistics import fmean


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels of the page image."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2

    def union(self, other: "Box") -> "Box":
        """Return the smallest box holding both."""
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )

    def to_dict(self) -> dict:
        return {"left": self.left, "top": self.top, "right": self.right, "bottom": self.bottom}


def enclosing(boxes) -> Box:
    """Return the smallest box holding all of `boxes`."""
    boxes = iter(boxes)
    total = next(boxes)
    for box in boxes:
        total = total.union(box)
    return total


@dataclass(frozen=True)
class Fragment:
    """A piece of text as an engine found it (a word or a run of words), before layout.

    `line_key` is where an engine with its own page layout (Tesseract) put it: its block,
    paragraph and line (a negative block: lines its layout passed over, found again); None
    from an engine that only finds text boxes.
    """

    text: str
    confidence: float
    box: Box
    line_key: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    box: Box

    def to_dict(self) -> dict:
        return {"text": self.text, "confidence": self.confidence, "box": self.box.to_dict()}


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def box(self) -> Box:
        return enclosing(word.box for word in self.words)

    @property
    def confidence(self) -> float:
        return round(fmean(word.confidence for word in self.words), 4)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "confidence": self.confidence,
            "box": self.box.to_dict(),
            "words": [word.to_dict() for word in self.words],
        }


@dataclass(frozen=True)
class Block:
    """A paragraph (or a heading): lines read one after the other."""

    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def box(self) -> Box:
        return enclosing(line.box for line in self.lines)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "box": self.box.to_dict(),
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass
class Page:
    """One page: its size in pixels, the turns applied, and its text in reading order.

    `rotation` is the clockwise turn that set it upright; `skew`, the angle (degrees,
    anticlockwise) its lines rose by, by which it was then turned back to level them.

    `engine` and `languages` say what read it (for `engine=auto` and `languages=auto`,
    what was chosen for this page).
    """

    number: int
    width: int
    height: int
    rotation: int = 0
    source: str = "ocr"  # or "text-layer": taken from a PDF without OCR
    blocks: list[Block] = field(default_factory=list)
    engine: str | None = None
    languages: list[str] = field(default_factory=list)
    skew: float = 0.0

    @property
    def lines(self) -> list[Line]:
        return [line for block in self.blocks for line in block.lines]

    @property
    def words(self) -> list[Word]:
        return [word for line in self.lines for word in line.words]

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def word_count(self) -> int:
        return len(self.words)

    @property
    def confidence(self) -> float:
        """The mean word confidence (0 for a page without words)."""
        words = self.words
        return round(fmean(word.confidence for word in words), 4) if words else 0.0

    @classmethod
    def from_dict(cls, data: dict) -> "Page":
        """Rebuild a page from `to_dict`'s output, as stored while a task runs."""
        blocks = [
            Block(
                tuple(
                    Line(
                        tuple(
                            Word(w["text"], w["confidence"], Box(**w["box"])) for w in line["words"]
                        )
                    )
                    for line in block["lines"]
                )
            )
            for block in data["blocks"]
        ]
        return cls(
            data["number"],
            data["width"],
            data["height"],
            data["rotation"],
            data["source"],
            blocks,
            data.get("engine"),
            data.get("languages", []),
            data.get("skew", 0.0),  # pages stored before levelling have none
        )

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "skew": self.skew,
            "source": self.source,
            "engine": self.engine,
            "languages": self.languages,
            "text": self.text,
            "wordCount": self.word_count,
            "confidence": self.confidence,
            "blocks": [block.to_dict() for block in self.blocks],
        }
