"""What happened during the run, as the clients and the fault injector saw it."""

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Answer:
    """One HTTP request's outcome: its status, or None when no answer came."""

    at: float
    method: str
    path: str
    status: int | None
    refused: bool = False  # the connection was refused: the request was never sent


@dataclass
class Fault:
    """One injected fault, from its first blow until the stack was whole again."""

    kind: str
    target: str
    started: float
    ended: float | None = None


@dataclass
class Journal:
    """Answers, faults, accepted tasks and problems, recorded from several threads."""

    started: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # task id: the user's email
    submitted: int = 0
    cancels: int = 0
    repeats: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)  # processes that ended unasked
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started

    def answer(self, method: str, path: str, status: int | None, refused: bool = False) -> None:
        self.answers.append(Answer(self.now(), method, path, status, refused))

    def fault(self, kind: str, target: str) -> Fault:
        """Record a fault as it begins; set its `ended` once the stack is whole again."""
        fault = Fault(kind, target, self.now())
        self.faults.append(fault)
        return fault

    def problem(self, text: str) -> None:
        """Record a loss or a broken promise: the run fails."""
        with self.lock:
            self.problems.append(text)

    def note(self, text: str) -> None:
        """Record something worth reading that is not a loss."""
        with self.lock:
            self.notes.append(f"t+{self.now():.0f}s {text}")
