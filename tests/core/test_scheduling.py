"""Routing by kind of work, queue positions, estimated starts and fair turns."""

from datetime import timedelta

import redis
from sqlalchemy import update

from ocrapp.core import lifecycle
from ocrapp.core.capabilities import register_engines
from ocrapp.core.db import db
from ocrapp.core.models import Task, TaskStatus, User, utcnow
from ocrapp.core.scheduling import Place, must_wait_turn, places_in_line, queue_name
from tests.conftest import on_both_databases
from tests.documents import text_pdf
from tests.factories import queued_task, set_task
from tests.helpers import submit
from tests.images import text_image


def waiting(app, kind: str) -> int:
    return redis.Redis.from_url(app.config["BROKER_URL"]).llen(queue_name(app.config, kind))


def test_images_go_to_small_long_files_to_large_and_priority_users_to_priority(
    app, client, make_user
):
    user_id, token = make_user()
    assert submit(client, token, text_image(["one page"]), "a.png").status_code == 202
    assert submit(client, token, text_pdf([["one"], ["two"]]), "b.pdf").status_code == 202
    with db.session() as session:
        session.execute(update(User).where(User.id == user_id).values(priority=True))
    assert submit(client, token, text_pdf([["one"], ["two"]]), "c.pdf").status_code == 202
    assert [waiting(app, kind) for kind in ("small", "large", "priority")] == [1, 1, 1]
    with db.session() as session:
        queues = session.query(Task.queue).order_by(Task.created_at).all()
    assert [queue for (queue,) in queues] == ["small", "large", "priority"]


def test_easyocr_tasks_go_to_the_gpu_queue_when_a_gpu_pool_serves_it(app, client, make_user):
    app.config["GPU_QUEUE"] = True
    # Engines of its own: the stacks' workers report theirs under the shared namespace.
    app.config["EVENT_NAMESPACE"] += "-gpu"
    offered = {"languages": ["eng"], "device": "cuda"}
    register_engines(app.config, {"easyocr": offered, "tesseract": {**offered, "device": "cpu"}})
    _, token = make_user()
    image = text_image(["one page"])
    assert submit(client, token, image, "a.png", engine="easyocr").status_code == 202
    assert submit(client, token, image, "b.png", engine="tesseract").status_code == 202
    assert [waiting(app, kind) for kind in ("gpu", "small")] == [1, 1]


@on_both_databases
def test_a_position_counts_its_own_queue_and_the_priority_queue_ahead(app, make_user):
    user_id, _ = make_user()
    smalls = [queued_task(user_id, queue="small") for _ in range(2)]
    large = queued_task(user_id, queue="large")
    urgent = queued_task(user_id, queue="priority")
    with db.session() as session:
        tasks = [session.get(Task, t) for t in [*smalls, large, urgent]]
        places = {t: place.position for t, place in places_in_line(session, tasks).items()}
    assert places == {smalls[0]: 2, smalls[1]: 3, large: 2, urgent: 1}


@on_both_databases
def test_the_start_is_estimated_from_the_queues_recent_throughput(app, make_user):
    user_id, _ = make_user()
    now = utcnow()
    for seconds in (10, 30):  # two finished in the last hour: 20 s a task
        done = queued_task(user_id)
        set_task(
            done,
            status=TaskStatus.COMPLETED,
            started_at=now - timedelta(seconds=seconds),
            finished_at=now,
        )
    running = [queued_task(user_id) for _ in range(2)]
    for task_id in running:
        set_task(task_id, status=TaskStatus.PROCESSING, started_at=now)
    third = [queued_task(user_id) for _ in range(3)][-1]
    with db.session() as session:
        place = places_in_line(session, [session.get(Task, third)])[third]
        assert place.position == 3
        wait = (place.start - utcnow()).total_seconds()
        large = queued_task(user_id, queue="large")
        never_measured = places_in_line(session, [session.get(Task, large)])[large]
        assert never_measured == Place(1, None)
    assert 19 < wait <= 20.01  # two ahead, 20 s each, two at a time (SQLite: float seconds)


@on_both_databases
def test_the_queued_update_carries_the_estimate(app, make_user):
    user_id, _ = make_user()
    task_id = queued_task(user_id)
    with db.session() as session:
        data = lifecycle.task_update_data(session, session.get(Task, task_id))
    assert data["queuePosition"] == 1 and data["estimatedStartAt"] is None


@on_both_databases
def test_a_user_at_their_concurrency_lets_other_users_go_first(app, make_user):
    busy_id, _ = make_user()
    other_id, _ = make_user()
    for _ in range(2):
        set_task(queued_task(busy_id), status=TaskStatus.PROCESSING)
    next_one = queued_task(busy_id)
    with db.session() as session:
        task = session.get(Task, next_one)
        alone = must_wait_turn(session, task, 2)
    queued_task(other_id)
    with db.session() as session:
        task = session.get(Task, next_one)
        assert must_wait_turn(session, task, 2) is True
        assert must_wait_turn(session, task, 3) is False
        assert must_wait_turn(session, task, 0) is False
    assert alone is False  # nobody else waiting: no reason to hold it back


@on_both_databases
def test_nobody_is_held_back_when_everyone_waiting_is_at_their_concurrency(app, make_user):
    first_id, _ = make_user()
    second_id, _ = make_user()
    for user_id in (first_id, second_id):
        set_task(queued_task(user_id), status=TaskStatus.PROCESSING)
    firsts, seconds = queued_task(first_id), queued_task(second_id)
    with db.session() as session:
        assert must_wait_turn(session, session.get(Task, firsts), 1) is False
        assert must_wait_turn(session, session.get(Task, seconds), 1) is False
    third_id, _ = make_user()
    queued_task(third_id)  # someone under the count is waiting: they go first
    with db.session() as session:
        assert must_wait_turn(session, session.get(Task, firsts), 1) is True
