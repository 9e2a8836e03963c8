"""Hostile uploads for the tests: cheap to make, slow or costly to read."""

import struct
import zlib

# A 1x1 grey frame of a TIFF: width, length, bits, compression, photometric, strip
# offset, rows per strip and strip bytes (the pixel is the header's 9th byte).
FRAME_TAGS = [(256, 1), (257, 1), (258, 8), (259, 1), (262, 1), (273, 8), (278, 1), (279, 1)]
IFD_SIZE = 2 + 12 * len(FRAME_TAGS) + 4


def chained_tiff(frames: int, last_next: int = 0) -> bytes:
    """A TIFF of `frames` 1x1 frames, one IFD each; the last points to `last_next`."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 12) + b"\x80\x00\x00\x00")
    for number in range(frames):
        following = 12 + (number + 1) * IFD_SIZE if number < frames - 1 else last_next
        out += struct.pack("<H", len(FRAME_TAGS))
        for tag, value in FRAME_TAGS:
            out += struct.pack("<HHII", tag, 4, 1, value)  # LONG values, held in the entry
        out += struct.pack("<I", following)
    return bytes(out)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: its length, type, body and CRC."""
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def empty_chunks_png(chunks: int) -> bytes:
    """A 1x1 PNG header then `chunks` empty ancillary chunks: 12 bytes each, about 6 us
    each for Pillow to walk before it finds the image data (a million: 12 MB, seconds).
    """
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"zzZz", b"") * chunks
