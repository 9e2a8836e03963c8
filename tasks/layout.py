"""Reading order: fragments grouped into lines, top to bottom, left to right."""

from tasks.document import Fragment, Line


def _same_line(line: list[Fragment], fragment: Fragment) -> bool:
    """Whether `fragment` sits on `line`: its middle falls within the line's height."""
    top = min(f.box.top for f in line)
    bottom = max(f.box.bottom for f in line)
    return top <= fragment.box.middle <= bottom


def _merge(fragments: list[Fragment]) -> Line:
    """Join the fragments of one line, left to right, into a line."""
    fragments = sorted(fragments, key=lambda f: f.box.left)
    box = fragments[0].box
    for fragment in fragments[1:]:
        box = box.union(fragment.box)
    weights = [max(len(f.text), 1) for f in fragments]
    confidence = sum(f.confidence * w for f, w in zip(fragments, weights, strict=True)) / sum(
        weights
    )
    text = " ".join(f.text.strip() for f in fragments if f.text.strip())
    return Line(text=text, confidence=round(confidence, 4), box=box)


def reading_order(fragments: list[Fragment]) -> list[Line]:
    """Group fragments into lines and order them as a person reads a page."""
    lines: list[list[Fragment]] = []
    for fragment in sorted(fragments, key=lambda f: (f.box.middle, f.box.left)):
        if lines and _same_line(lines[-1], fragment):
            lines[-1].append(fragment)
        else:
            lines.append([fragment])
    merged = [_merge(line) for line in lines]
    return [line for line in merged if line.text]
