"""The chaos run, two minutes of it: the whole stack, under load and faults, loses nothing."""

import os
import subprocess
import sys

import pytest

from tests.servers import postgres_bin
from tests.stack import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.timeout(1800)  # 2 minutes of load, then the drain and the checks
def test_a_two_minute_chaos_run_loses_nothing():
    try:
        postgres_bin()
    except RuntimeError as error:
        pytest.skip(str(error))
    env = {**os.environ, "CHAOS_SECONDS": "120", "CHAOS_DRAIN_SECONDS": "600"}
    run = subprocess.Popen(
        [sys.executable, "-m", "chaos"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = run.communicate(timeout=1700)
    finally:
        if run.poll() is None:  # stopped early: let it stop its stack and services
            run.terminate()
            run.communicate(timeout=120)
    print(output[-8000:])
    assert "faults:" in output, output[-8000:]
    assert run.returncode == 0, output[-8000:]
    assert "No loss." in output, output[-8000:]
