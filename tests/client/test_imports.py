"""The client is for programs that run no part of ocrapp: it imports none of the server."""

import subprocess
import sys

import pytest

SERVER_SIDE = ("flask", "sqlalchemy", "celery", "torch", "easyocr", "alembic")


@pytest.mark.parametrize("module", ["ocrapp.client", "ocrapp.client.commands"])
def test_the_client_imports_nothing_of_the_server_side(module):
    code = (
        f"import sys, {module}; "
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({SERVER_SIDE!r})); "
        "print(loaded); sys.exit(bool(loaded))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
