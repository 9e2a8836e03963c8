"""Inspector processes: the same answers as reading in this process, within their limits."""

import threading
import time

import pytest

from ocrapp.core.errors import InspectionFailed, InspectionTimeout, TooManyPages
from ocrapp.core.inspection import Inspection, inspect_bytes
from ocrapp.core.inspector import Inspector, InspectorPool, inspect_upload_bytes, read_message
from tests.documents import text_pdf, unrepairable_pdf
from tests.images import png_declaring, text_image
from tests.uploads import chained_tiff, empty_chunks_png

CONFIG = {
    "INSPECT_PROCESSES": 1,
    "INSPECT_MEMORY_MB": 256,
    "INSPECT_TIMEOUT": 5.0,
    "MAX_PAGE_PIXELS": 40_000_000,
    "MAX_PAGES": 500,
}


def outcome(inspect, data: bytes):
    """What inspecting `data` gives: the inspection, or the refusal's class, code and text."""
    try:
        return inspect(data)
    except Exception as refusal:
        return type(refusal), refusal.code, refusal.message


@pytest.mark.parametrize(
    "data",
    [
        text_image(["a page"]),
        text_image(["a page"], "JPEG"),
        text_pdf([["one"], ["two"], ["three"]]),
        chained_tiff(3),
        chained_tiff(501),
        png_declaring(50_000, 50_000),
        b"PK\x03\x04 not an image",
        b"",
        unrepairable_pdf(["lost"]),
        text_pdf([["secret"]], encrypt="password"),
    ],
    ids=[
        "png",
        "jpeg",
        "pdf",
        "tiff",
        "tiff-over",
        "bomb",
        "zip",
        "empty",
        "pdf-lost",
        "pdf-locked",
    ],
)
def test_an_inspector_answers_as_this_process_would(data):
    here = outcome(lambda d: inspect_bytes(d, CONFIG["MAX_PAGE_PIXELS"], 500), data)
    assert outcome(lambda d: inspect_upload_bytes(d, CONFIG), data) == here


def test_an_inspection_past_its_time_kills_the_child_and_the_next_gets_a_new_one():
    pool = InspectorPool(1, 256)
    # Plenty of time for a normal file, even on a busy machine; too little for the slow one.
    limits = {"max_pixels": 40_000_000, "max_pages": 500, "timeout": 30}
    answer = Inspection.from_json(pool.inspect(text_image(["x"]), limits))
    assert answer.pages == 1
    (first,) = pool.idle
    with pytest.raises(InspectionTimeout, match=r"took over 0\.3 s, the limit") as refused:
        pool.inspect(empty_chunks_png(1_000_000), limits | {"timeout": 0.3})  # seconds to read
    assert refused.value.code == "inspection_timeout"
    assert first.process.returncode is not None and not pool.idle
    assert Inspection.from_json(pool.inspect(text_image(["y"]), limits)).pages == 1
    assert pool.idle[0].process.pid != first.process.pid


def test_past_its_address_space_a_child_ends_and_the_upload_is_refused():
    pool = InspectorPool(1, 4)  # 4 MB beyond its start: a 16 MB upload does not fit
    limits = {"max_pixels": 40_000_000, "max_pages": 500, "timeout": 5}
    with pytest.raises(InspectionFailed, match="stopped"):
        pool.inspect(b"\x89PNG\r\n\x1a\n" + bytes(16 * 1024 * 1024), limits)
    assert not pool.idle


def test_frames_past_the_limit_are_refused_in_the_child_too():
    with pytest.raises(TooManyPages, match="more than 500 pages"):
        inspect_upload_bytes(chained_tiff(16_000), CONFIG)


def test_a_child_ends_when_its_web_process_goes_away():
    inspector = Inspector(256)
    inspector.process.stdin.close()  # as when the web process ends, however it ends
    assert inspector.process.wait(timeout=10) == 0
    assert read_message(inspector.process.stdout) is None


def test_one_users_slow_files_hold_one_child_and_another_user_goes_through():
    pool = InspectorPool(2, 256)
    slow = {"max_pixels": 40_000_000, "max_pages": 500, "timeout": 4}
    attackers = [
        threading.Thread(target=refused, args=(pool, empty_chunks_png(2_000_000), slow, 1))
        for _ in range(2)
    ]
    for attacker in attackers:
        attacker.start()
    deadline = time.monotonic() + 10
    while not pool.users[1].locked() and time.monotonic() < deadline:
        time.sleep(0.01)  # until one attacker's file is in: the other waits its turn
    start = time.monotonic()
    answer = pool.inspect(text_image(["mine"]), slow | {"timeout": 30}, user_id=2)
    waited = time.monotonic() - start
    assert Inspection.from_json(answer).pages == 1
    assert waited < 3 and any(attacker.is_alive() for attacker in attackers)
    for attacker in attackers:
        attacker.join(30)


def refused(pool: InspectorPool, data: bytes, limits: dict, user_id: int) -> None:
    """Inspect `data` for `user_id`, expecting it to run out of time."""
    with pytest.raises(InspectionTimeout):
        pool.inspect(data, limits, user_id=user_id)
