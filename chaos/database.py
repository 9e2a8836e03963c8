"""Reading the run's database directly: what the service holds, to check the clients by."""

import psycopg

FINAL = ("completed", "failed", "cancelled")


class Database:
    """Queries on the run's database, each on a connection of its own (it restarts)."""

    def __init__(self, dsn: str) -> None:
        self.dsn, self.last_unfinished = dsn, 0

    def rows(self, query: str, *parameters) -> list[tuple]:
        with psycopg.connect(self.dsn, connect_timeout=10) as connection:
            return connection.execute(query, parameters).fetchall()

    def unfinished(self) -> int:
        """How many tasks are queued or processing (the last count while unreachable)."""
        try:
            (count,), *_ = self.rows(
                "SELECT count(*) FROM tasks WHERE lower(status::text) NOT IN (%s, %s, %s)", *FINAL
            )
        except psycopg.Error:
            return self.last_unfinished
        self.last_unfinished = count
        return count

    def processing_queue(self) -> str | None:
        """The queue (`small`, `large`) of a task being processed now, if any."""
        try:
            rows = self.rows("SELECT queue FROM tasks WHERE lower(status::text) = 'processing'")
        except psycopg.Error:
            return None
        return rows[0][0] if rows else None

    def unfinished_states(self) -> list[tuple] | None:
        """Each unfinished task's id, status, progress and attempts; None while unreachable."""
        try:
            return self.rows(
                "SELECT id, lower(status::text), progress, attempts FROM tasks"
                " WHERE lower(status::text) NOT IN (%s, %s, %s) ORDER BY id",
                *FINAL,
            )
        except psycopg.Error:
            return None

    def tasks(self) -> dict[str, dict]:
        """Every task: its owner's email, status, error code and seconds to a final state."""
        rows = self.rows(
            "SELECT t.id, u.email, lower(t.status::text), t.error, t.attempts,"
            " extract(epoch FROM t.finished_at - t.created_at)"
            " FROM tasks t JOIN users u ON u.id = t.user_id"
        )
        return {
            task_id: {
                "email": email,
                "status": status,
                "error": (error or {}).get("code"),
                "attempts": attempts,
                "seconds": float(seconds) if seconds is not None else None,
            }
            for task_id, email, status, error, attempts, seconds in rows
        }

    def user_ids(self) -> dict[str, int]:
        """Each user's id by email."""
        return dict(self.rows("SELECT email, id FROM users"))

    def tasks_with_several_results(self) -> list[tuple[str, int]]:
        """The tasks that have more than one `results` row, with their count."""
        return self.rows(
            "SELECT task_id, count(*) FROM results GROUP BY task_id HAVING count(*) > 1"
        )
