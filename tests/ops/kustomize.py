"""Enough of `kubectl kustomize` to render deploy/kubernetes where no cluster tool is.

It knows the fields the manifests use (resources, components, patches of maps, images,
namespace) and refuses any other, so a new field cannot be rendered wrongly in silence.
"""

import copy
from pathlib import Path

import yaml

KNOWN_FIELDS = {"apiVersion", "kind", "resources", "components", "patches", "images", "namespace"}
# Where containers are, by kind.
POD_TEMPLATE_KINDS = {"Deployment", "Job", "StatefulSet", "DaemonSet"}


def render(folder: Path) -> list[dict]:
    """Return the objects of the kustomization in `folder`, transformed as kustomize does."""
    return _build(folder, [])


def _build(folder: Path, objects: list[dict]) -> list[dict]:
    """Add the objects of a kustomization (or a component's to `objects`), then transform."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KNOWN_FIELDS
    if unknown:
        raise NotImplementedError(f"{folder}: kustomization fields {sorted(unknown)}")
    objects = copy.deepcopy(objects)
    for entry in kustomization.get("resources", []):
        path = folder / entry
        objects += render(path) if path.is_dir() else _load(path)
    for entry in kustomization.get("components", []):
        objects = _build(folder / entry, objects)
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, yaml.safe_load((folder / patch["path"]).read_text()))
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    if "namespace" in kustomization:
        for item in objects:
            item["metadata"]["namespace"] = kustomization["namespace"]
    return objects


def _load(path: Path) -> list[dict]:
    return [item for item in yaml.safe_load_all(path.read_text()) if item]


def _apply_patch(objects: list[dict], patch: dict) -> None:
    """Merge a patch into the object of its kind and name (maps only, as a strategic
    merge does them; lists, which strategic merge treats by kind, are refused)."""
    targets = [
        item
        for item in objects
        if (item["kind"], item["metadata"]["name"]) == (patch["kind"], patch["metadata"]["name"])
    ]
    if len(targets) != 1:
        raise LookupError(f"patch for {patch['kind']}/{patch['metadata']['name']}: no one target")
    _merge(targets[0], patch)


def _merge(target: dict, patch: dict) -> None:
    for key, value in patch.items():
        if isinstance(value, list):
            raise NotImplementedError(f"a patch with a list at {key!r}")
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def containers(item: dict) -> list[dict]:
    """Return the containers and init containers of an object's pod template, if any."""
    if item["kind"] not in POD_TEMPLATE_KINDS:
        return []
    pod = item["spec"]["template"]["spec"]
    return pod.get("initContainers", []) + pod["containers"]


def _set_image(objects: list[dict], image: dict) -> None:
    """Rename an image and set its tag, as kustomize's `images` field does."""
    for item in objects:
        for container in containers(item):
            name = container["image"].split(":")[0]
            if name == image["name"]:
                tag = f":{image['newTag']}" if "newTag" in image else ""
                container["image"] = image.get("newName", name) + tag
