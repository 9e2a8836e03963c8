"""The `ocrapp` console script: a client command starts without the server's code.

`ocrapp submit`, `status`, `result`, `cancel` and `delete` need only `ocrapp.client`
(0.3 s to import); the full command group loads Flask, SQLAlchemy and Alembic (2.5 s).
"""

import sys


def main() -> None:
    """Run `ocrapp`: a client command on its own, any other through the full group."""
    from ocrapp.client.commands import COMMANDS

    client_commands = {command.name: command for command in COMMANDS}
    if len(sys.argv) > 1 and sys.argv[1] in client_commands:
        name = sys.argv[1]
        client_commands[name].main(sys.argv[2:], prog_name=f"ocrapp {name}")
        return
    from ocrapp.cli import cli

    cli()
