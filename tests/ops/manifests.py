"""Reading the rendered Kubernetes manifests: pods' environments, commands and settings."""

import re
from pathlib import Path

import yaml

from ocrapp.config import Settings
from tests.ops.kustomize import containers

ROOT = Path(__file__).parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
SECRET_EXAMPLE = KUBERNETES / "base" / "secret.example.yaml"
# `$(NAME)`: Kubernetes puts in the value of a variable the container has so far.
KUBERNETES_REFERENCE = re.compile(r"\$\((\w+)\)")
# `${NAME}`, `${NAME:-default}`, `${NAME:?message}`: the shell's, in a Procfile line.
SHELL_REFERENCE = re.compile(r"\$\{(\w+)(:?[-?+])?")


def procfile() -> dict[str, str]:
    """Return the Procfile's command of each process."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def secret_example() -> dict[str, str]:
    """Return the keys and placeholder values of the example Secret."""
    return yaml.safe_load(SECRET_EXAMPLE.read_text())["stringData"]


def find(objects: list[dict], kind: str, name: str | None = None) -> list[dict]:
    """Return the objects of a kind (and name)."""
    return [
        item
        for item in objects
        if item["kind"] == kind and name in (None, item["metadata"]["name"])
    ]


def config_map(objects: list[dict]) -> dict[str, str]:
    """Return the settings ConfigMap's data."""
    (settings,) = find(objects, "ConfigMap", "ocrapp-settings")
    return settings["data"]


def environment(objects: list[dict], container: dict) -> dict[str, str]:
    """Return a container's variables as Kubernetes sets them: envFrom's, then env's in
    order, each `$(NAME)` replaced; a Secret's or ConfigMap's value by its example."""
    values: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == "ocrapp-settings"
        values.update(config_map(objects))
    for variable in container.get("env", []):
        values[variable["name"]] = _value(objects, variable, values)
    return values


def _value(objects: list[dict], variable: dict, earlier: dict[str, str]) -> str:
    if "value" in variable:
        for name in KUBERNETES_REFERENCE.findall(variable["value"]):
            assert name in earlier, f"$({name}) in {variable['name']} is not set before it"
        return KUBERNETES_REFERENCE.sub(lambda match: earlier[match[1]], variable["value"])
    source = variable["valueFrom"]
    if "secretKeyRef" in source:
        assert source["secretKeyRef"]["name"] == "ocrapp-secrets"
        return secret_example()[source["secretKeyRef"]["key"]]
    assert source["configMapKeyRef"]["name"] == "ocrapp-settings"
    return config_map(objects)[source["configMapKeyRef"]["key"]]


def command_line(container: dict) -> str:
    """Return what a container runs, as one shell line."""
    command = container.get("command", []) + container.get("args", [])
    return command[2] if command[:2] == ["/bin/sh", "-c"] else " ".join(command)


def expand(line: str, values: dict[str, str]) -> str:
    """Expand a Procfile line's `${NAME:-default}` (and `${NAME}`) with `values`."""

    def value(match: re.Match) -> str:
        name, default = match[1], match[2] or ""
        return values.get(name) or default

    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", value, line)


def settings(values: dict[str, str]) -> dict:
    """Return the app's configuration from a pod's variables alone (not this process's)."""
    known = {name: value for name, value in values.items() if name in Settings.model_fields}
    return Settings(_env_prefix="IGNORED_BY_THE_MANIFEST_TESTS_", **known).flask_config()


def workloads(objects: list[dict]) -> list[dict]:
    """Return the objects that run pods."""
    return [item for item in objects if containers(item)]


def pod_spec(item: dict) -> dict:
    return item["spec"]["template"]["spec"]


def main_container(item: dict) -> dict:
    (container,) = pod_spec(item)["containers"]
    return container
