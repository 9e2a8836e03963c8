"""What recognition produces: pages of lines, each with a box and a confidence."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def union(self, other: "Box") -> "Box":
        """Return the smallest box holding both."""
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


@dataclass(frozen=True)
class Fragment:
    """A piece of text as an engine detected it, before layout."""

    text: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float
    box: Box


@dataclass
class Page:
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def word_count(self) -> int:
        return sum(len(line.text.split()) for line in self.lines)

    def to_dict(self) -> dict:
        """Return the page as plain JSON-ready data."""
        return asdict(self)
