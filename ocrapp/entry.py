"""The `ocrapp` console script: a client command starts without the server's code.

`ocrapp submit`, `status`, `result`, `cancel` and `delete` need only `ocrapp.client`
(0.3 s to import); the full command group loads Flask, SQLAlchemy and Alembic (2.5 s).
"""

import os
import sys


def main() -> None:
    """Run `ocrapp`: a client command on its own, any other through the full group."""
    from ocrapp.client.commands import COMMANDS

    client_commands = {command.name: command for command in COMMANDS}
    if len(sys.argv) > 1 and sys.argv[1] in client_commands:
        load_env_files()
        name = sys.argv[1]
        client_commands[name].main(sys.argv[2:], prog_name=f"ocrapp {name}")
        return
    from ocrapp.cli import cli

    cli()


def load_env_files() -> None:
    """Set what `.flaskenv` and `.env` say (found from here up) and the environment does
    not, as the full group (Flask's) does: `OCRAPP_TOKEN` kept in `.env` still counts."""
    if os.environ.get("FLASK_SKIP_DOTENV", "").lower() in ("1", "true", "yes"):
        return
    import dotenv

    values: dict[str, str | None] = {}
    for name in (".flaskenv", ".env"):
        if path := dotenv.find_dotenv(name, usecwd=True):
            values |= dotenv.dotenv_values(path, encoding="utf-8")
    for key, value in values.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
