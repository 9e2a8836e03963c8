"""The chaos run's checks, on a journal made by hand: no stack needed."""

from chaos.checks import check_errors, differences, fault_near
from chaos.followers import Follower
from chaos.journal import Answer, Fault, Journal
from chaos.load import User
from chaos.report import figures, render


def journal_with(*faults: Fault, answers=()) -> Journal:
    journal = Journal()
    journal.faults.extend(faults)
    journal.answers.extend(answers)
    return journal


def test_a_5xx_just_after_a_restart_is_put_down_to_it():
    restart = Fault("restart_postgres", "postgres", started=10, ended=14)
    journal = journal_with(restart, answers=[Answer(20, "POST", "/api/tasks", 500)])
    assert fault_near(journal, 20) is restart
    check_errors(journal)
    assert journal.problems == []


def test_a_5xx_far_from_any_restart_is_a_loss():
    stall = Fault("stall_socket", "someone", started=49, ended=69)  # not a restart
    journal = journal_with(
        Fault("restart_web", "web-1", started=10, ended=12),
        stall,
        answers=[Answer(50, "GET", "/api/tasks", 502), Answer(51, "GET", "/api/tasks", 200)],
    )
    check_errors(journal)
    assert len(journal.problems) == 1
    assert "502 to GET /api/tasks at t+50.0s" in journal.problems[0]


def test_a_refused_connection_sent_on_to_the_other_web_process_is_no_loss():
    journal = journal_with(answers=[Answer(5, "POST", "/api/tasks", None, refused=True)])
    check_errors(journal)
    assert journal.problems == []


def follower_knowing(states: dict) -> Follower:
    follower = Follower(User("a@example.com", "token", 1), ["http://127.0.0.1:1"], Journal())
    follower.states = states
    return follower


def test_a_follower_that_knows_an_older_state_or_nothing_differs():
    tasks = {
        "t1": {"email": "a@example.com", "status": "completed"},
        "t2": {"email": "a@example.com", "status": "cancelled"},
        "t3": {"email": "b@example.com", "status": "completed"},
    }
    current = {
        "t1": {"taskId": "t1", "status": "completed", "progress": 100, "queuePosition": None},
        "t2": {"taskId": "t2", "status": "cancelled", "progress": 0},
        "t3": {"taskId": "t3", "status": "completed", "progress": 100},
    }
    follower = follower_knowing({"t1": {"taskId": "t1", "status": "processing", "progress": 50}})
    found = differences(follower, tasks, current)
    assert len(found) == 2
    assert "'status': ('processing', 'completed')" in found[0]
    assert "never heard of task t2" in found[1]


def test_the_queue_fields_may_differ():
    tasks = {"t1": {"email": "a@example.com", "status": "completed"}}
    current = {"t1": {"taskId": "t1", "status": "completed", "queuePosition": None}}
    follower = follower_knowing({"t1": {"taskId": "t1", "status": "completed", "queuePosition": 3}})
    assert differences(follower, tasks, current) == []


def test_the_report_counts_tasks_and_faults_and_says_no_loss():
    journal = journal_with(Fault("restart_redis", "redis-server", started=3, ended=4))
    journal.accepted["t1"] = "a@example.com"
    tasks = {"t1": {"status": "completed", "error": None, "seconds": 2.5}}
    report = figures(journal, tasks, [], seconds=60)
    assert report["tasks"] == {"completed": 1}
    assert report["faults"] == {"restart_redis": 1}
    assert report["max_seconds_to_final"] == 2.5
    assert render(report).endswith("No loss.")
