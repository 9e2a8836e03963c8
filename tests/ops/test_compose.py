"""docker-compose.yml: every secret must be set, and each service gets only what it needs."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ops.manifests import procfile
from tests.stack import wait_for

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PROCFILE_RUN = ROOT / "scripts" / "procfile-run"
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY", "AUTH")
REQUIRED_SECRETS = {
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "MINIO_APP_ACCESS_KEY",
    "MINIO_APP_SECRET_KEY",
    "METRICS_TOKEN",
    "FLOWER_BASIC_AUTH",
}
# The services that run ocrapp's image.
APP_SERVICES = {"web", "worker_small", "worker_large", "worker_gpu", "webhooks", "beat", "flower"}
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, ...: name, operator.
VARIABLE = re.compile(r"\$\{(\w+)(:?[-?+])?")


def required(name: str) -> str:
    """The start of a reference that fails when `name` is unset or empty."""
    return f"${{{name}:?"


@pytest.fixture(scope="module")
def text() -> str:
    return COMPOSE.read_text()


@pytest.fixture(scope="module")
def services(text) -> dict:
    return yaml.safe_load(text)["services"]


def test_every_secret_must_be_set_and_has_no_default(text):
    references = VARIABLE.findall(text)
    assert {name for name, _ in references} >= REQUIRED_SECRETS
    for name, operator in references:
        if name in REQUIRED_SECRETS or any(word in name for word in SECRET_WORDS):
            assert operator == ":?", f"${{{name}{operator}...}} must be ${{{name}:?...}}"


def test_no_service_holds_a_secret_written_in_the_file(services):
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if any(word in key for word in SECRET_WORDS):
                assert str(value).startswith("${") and ":?" in value, (name, key)


def test_the_application_uses_its_own_minio_user_not_the_root_account(services):
    for name in APP_SERVICES:
        assert "MINIO_ROOT" not in yaml.safe_dump(services[name]), name
    environment = services["web"]["environment"]
    assert environment["AWS_ACCESS_KEY_ID"].startswith(required("MINIO_APP_ACCESS_KEY"))
    assert environment["AWS_SECRET_ACCESS_KEY"].startswith(required("MINIO_APP_SECRET_KEY"))
    assert services["web"]["depends_on"]["minio_init"] == {
        "condition": "service_completed_successfully"
    }


def test_the_application_user_may_touch_its_bucket_only(services):
    script = services["minio_init"]["command"][0]
    policy = json.loads(re.search(r"printf '%s' '(.*?)'", script, re.DOTALL).group(1))
    resources = {
        resource for statement in policy["Statement"] for resource in statement["Resource"]
    }
    assert resources == {"arn:aws:s3:::ocrapp", "arn:aws:s3:::ocrapp/*"}
    actions = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert all(action.startswith("s3:") and "*" not in action for action in actions)
    assert 'policy attach local ocrapp-bucket --user "$$MINIO_APP_ACCESS_KEY"' in script


def test_minio_publishes_its_s3_api_on_this_machine_only_and_no_console(services):
    minio = services["minio"]
    assert minio["environment"]["MINIO_BROWSER"] == "off"
    assert minio["ports"] == ["127.0.0.1:9000:9000"]
    assert "S3_PUBLIC_ENDPOINT_URL" in services["web"]["environment"]


def test_flower_gets_the_broker_and_no_database_or_storage_credentials(services):
    environment = services["flower"]["environment"]
    assert environment["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    for key in environment:
        assert key not in {"DATABASE_URL", "STORAGE_URL"}
        assert not key.startswith(("AWS_", "S3_", "MINIO_", "POSTGRES_")), key


def test_redis_requires_a_password_that_every_client_sends(services):
    command = services["redis"]["command"]
    password = command[command.index("--requirepass") + 1]
    assert password.startswith(required("REDIS_PASSWORD"))
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        for key in ("REDIS_URL", "BROKER_URL"):
            if key in environment:
                assert environment[key].startswith(f"redis://:{required('REDIS_PASSWORD')}")


def test_every_application_service_is_restarted_when_it_exits(services):
    # A worker can exit when Redis restarts while it restores its unacknowledged messages
    # (kombu: `'NoneType' object has no attribute 'hostname'`): Docker must start it again.
    for name in APP_SERVICES:
        assert services[name].get("restart") in {"always", "unless-stopped", "on-failure"}, name


def test_each_application_service_runs_its_procfile_line_as_its_main_process(services):
    # Not through honcho, which signals the whole process group: Celery's pool processes
    # died at once on a stop, and the warm shutdown lost the worker's running tasks.
    lines = procfile()
    for name in APP_SERVICES:
        command = services[name]["command"]
        assert command[0] == f"/app/{PROCFILE_RUN.relative_to(ROOT)}" and command[1:] == [name]
        assert name in lines
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f'CMD ["/app/{PROCFILE_RUN.relative_to(ROOT)}", "web"]' in dockerfile


def test_the_gpu_pool_is_built_with_cudas_torch_as_an_image_of_its_own(services):
    gpu = services["worker_gpu"]
    assert gpu["build"]["args"]["TORCH"] == "cuda"  # the Dockerfile's default is the CPU's
    assert gpu["image"] != services["worker_large"]["image"]


def test_procfile_run_becomes_the_lines_program_which_a_stop_signal_reaches(tmp_path, redis_server):
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "REDIS_URL": f"{redis_server}/12",
        "OCRAPP_INSTANCE_DIR": str(tmp_path),
    }
    with (tmp_path / "beat.log").open("w") as log:
        beat = subprocess.Popen([PROCFILE_RUN, "beat"], cwd=tmp_path, env=environment, stderr=log)
    try:
        # The same process, no shell left between: the stop signal goes to celery alone.
        command_line = Path(f"/proc/{beat.pid}/cmdline")
        wait_for(lambda: b"celery" in command_line.read_bytes(), 60, "celery in its place")
        assert b"beat" in command_line.read_bytes()
        started = lambda: "beat: Starting" in (tmp_path / "beat.log").read_text()  # noqa: E731
        wait_for(started, 60, "beat started")  # its handlers set: a stop is a clean exit
        # Its schedule open: a stop while beat still imports what opens it is not a clean exit.
        opened = lambda: any(tmp_path.glob("celerybeat-schedule*"))  # noqa: E731
        wait_for(opened, 60, "beat's schedule open")
        beat.send_signal(signal.SIGTERM)
        assert beat.wait(timeout=60) == 0
    finally:
        beat.kill()
        beat.wait()
    unknown = subprocess.run([PROCFILE_RUN, "nothing"], capture_output=True, text=True)
    assert unknown.returncode == 64
    assert "the Procfile has no line named 'nothing'" in unknown.stderr


def compose_available() -> bool:
    """Whether this machine has Docker's compose command (CI may have Docker without it)."""
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not compose_available(), reason="docker compose is not installed")
def test_docker_compose_accepts_the_file(text, services):
    """`docker compose config`: the file as Compose itself reads it, every profile on."""
    required = {name for name, operator in VARIABLE.findall(text) if operator == ":?"}
    environment = {**os.environ, **dict.fromkeys(required, "placeholder0123456789")}
    profiles = {profile for service in services.values() for profile in service.get("profiles", [])}
    options = [option for profile in sorted(profiles) for option in ("--profile", profile)]
    checked = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), *options, "config", "--quiet"],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
