"""Uploaded files: their type decided by content, their names made safe to show.

The content is read in an inspector process (`ocrapp.core.inspector`), never here.
"""

import re

from ocrapp.core.inspector import inspect_upload_bytes
from ocrapp.core.models import File, FileType, new_id
from ocrapp.core.storage import upload_key

# Control characters (C0, DEL, C1), and the bidirectional overrides and embeddings
# (U+202A-U+202E, U+2066-U+2069) and line and paragraph separators (U+2028, U+2029)
# that would let a name show as another ("invoice\u202efdp.exe" as "invoiceexe.pdf").
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")


def inspect_upload(data: bytes, filename: str | None, user_id: int, config) -> File:
    """Check an uploaded file by its content; return its (unsaved) row."""
    inspection = inspect_upload_bytes(data, config, user_id)
    detected = inspection.detected
    file = File(
        id=new_id(),
        user_id=user_id,
        original_filename=clean_filename(filename),
        file_type=FileType(detected.file_type),
        content_type=detected.content_type,
        size_bytes=len(data),
        page_count=inspection.pages,
        sha256=inspection.sha256,
    )
    file.stored_filename = file.id + detected.extension
    file.storage_key = upload_key(user_id, file.id, detected.extension)
    return file


def clean_filename(filename: str | None) -> str:
    """Keep the last path component of a client's file name, without unsafe characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = UNSAFE_CHARACTERS.sub("", name).strip()
    return name[:255] or "upload"
