"""The run's figures and findings, printed and written as JSON."""

import json
from collections import Counter

from chaos.checks import fault_near
from chaos.journal import Journal


def figures(journal: Journal, tasks: dict[str, dict], followers, seconds: float) -> dict:
    """What the run did and what became of it."""
    statuses = Counter(task["status"] for task in tasks.values())
    failures = Counter(task["error"] for task in tasks.values() if task["status"] == "failed")
    finals = [task["seconds"] for task in tasks.values() if task["seconds"] is not None]
    errors = [answer for answer in journal.answers if _is_error(answer)]
    return {
        "seconds": seconds,
        "requests": len(journal.answers),
        "submitted": journal.submitted,
        "accepted": len(journal.accepted),
        "repeated_keys": journal.repeats,
        "cancels_asked": journal.cancels,
        "tasks": dict(statuses),
        "failed_by_code": dict(failures),
        "faults": dict(Counter(fault.kind for fault in journal.faults)),
        "fault_times": [
            f"t+{fault.started:.0f}s {fault.kind} {fault.target}, whole again after "
            f"{(fault.ended or fault.started) - fault.started:.0f}s"
            for fault in journal.faults
        ],
        "max_seconds_to_final": round(max(finals, default=0), 1),
        "socket_connections": sum(follower.connections for follower in followers),
        "5xx": [_error(journal, answer) for answer in errors if answer.status],
        "unanswered": [_error(journal, answer) for answer in errors if not answer.status],
        "refused_connections": sum(answer.refused for answer in journal.answers),
        "unexpected_exits": journal.exits,
        "problems": journal.problems,
        "notes": journal.notes,
    }


def _is_error(answer) -> bool:
    return (answer.status is None and not answer.refused) or (answer.status or 0) >= 500


def _error(journal: Journal, answer) -> str:
    fault = fault_near(journal, answer.at)
    near = f", {fault.kind} {fault.target} at t+{fault.started:.0f}s" if fault else ""
    return f"t+{answer.at:.1f}s {answer.status or '-'} {answer.method} {answer.path}{near}"


def render(report: dict) -> str:
    """The report as lines for a person."""
    lines = [f"Chaos run of {report['seconds']:.0f}s:"]
    for key in ("requests", "submitted", "accepted", "repeated_keys", "cancels_asked"):
        lines.append(f"  {key}: {report[key]}")
    for key in ("tasks", "failed_by_code", "faults"):
        lines.append(f"  {key}: {json.dumps(report[key], sort_keys=True)}")
    lines += [f"    {line}" for line in report["fault_times"]]
    lines.append(f"  max seconds to a final state: {report['max_seconds_to_final']}")
    lines.append(f"  socket connections: {report['socket_connections']}")
    lines.append(f"  processes that exited unasked: {report['unexpected_exits']}")
    for key in ("5xx", "unanswered"):
        lines.append(f"  {key}: {len(report[key])}")
        lines += [f"    {line}" for line in _grouped(report[key])]
    lines += [f"  note: {note}" for note in report["notes"]]
    lines.append(f"LOSSES ({len(report['problems'])}):" if report["problems"] else "No loss.")
    lines += [f"  {problem}" for problem in report["problems"]]
    return "\n".join(lines)


def _grouped(errors: list[str], most: int = 40) -> list[str]:
    return errors[:most] + ([f"... and {len(errors) - most} more"] if len(errors) > most else [])
