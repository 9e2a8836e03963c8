"""The per-process fan-out: bounded inboxes that catch up instead of growing."""

import json

from ocrapp.realtime.hub import INBOX_SIZE, RESYNC, UpdateHub


def test_a_full_inbox_is_emptied_and_told_to_catch_up():
    hub = UpdateHub()
    slow, other = hub.add_inbox(7), hub.add_inbox(8)
    for number in range(INBOX_SIZE + 5):
        hub.dispatch(7, {"seq": f"{number}-0"})
    assert slow.qsize() <= 5
    assert slow.get_nowait() is RESYNC
    assert other.empty()


def test_updates_go_to_every_inbox_of_their_user_only():
    hub = UpdateHub()
    first, second, stranger = hub.add_inbox(1), hub.add_inbox(1), hub.add_inbox(2)
    hub.dispatch(1, {"seq": "1-0"})
    assert first.get_nowait() == second.get_nowait() == {"seq": "1-0"}
    assert stranger.empty()


def test_an_update_is_serialised_once_for_every_socket_of_its_user():
    hub = UpdateHub()
    first, second = hub.add_inbox(3), hub.add_inbox(3)
    message = {"type": "task_update", "data": {"taskId": "t", "status": "queued"}, "seq": "5-0"}
    hub.dispatch(3, message)
    update = first.get_nowait()
    assert second.get_nowait() is update
    assert json.loads(update.text) == update == message
