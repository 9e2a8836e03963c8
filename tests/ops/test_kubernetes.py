"""deploy/kubernetes: valid for Kubernetes and KEDA, and consistent with the Procfile, the
settings and the queues, rendered and checked without a cluster."""

import re
import runpy
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from flask import Flask

from ocrapp.core.broker import broker_lists
from ocrapp.core.jobs import time_limit
from ocrapp.core.scheduling import GPU, queue_name
from tests.ops.kustomize import containers, render
from tests.ops.manifests import (
    KUBERNETES,
    ROOT,
    SECRET_EXAMPLE,
    SHELL_REFERENCE,
    command_line,
    config_map,
    environment,
    expand,
    find,
    main_container,
    pod_spec,
    procfile,
    secret_example,
    settings,
    workloads,
)

# The oldest Kubernetes release still supported by the large cloud providers.
KUBERNETES_VERSION = "1.30.0"
SCHEMAS = Path(__file__).parent / "schemas"
KEDA_SCHEMAS = {
    "ScaledObject": SCHEMAS / "keda-scaledobject-v1alpha1.yaml",
    "TriggerAuthentication": SCHEMAS / "keda-triggerauthentication-v1alpha1.yaml",
}
BUILDS = ("base", "overlays/gpu")
# The Procfile's all-in-one worker is for one machine; the pools run it in parts.
ONE_MACHINE_ONLY = {"worker"}
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"


@pytest.fixture(scope="module", params=BUILDS)
def objects(request) -> list[dict]:
    return render(KUBERNETES / request.param)


@pytest.fixture(scope="module")
def everything() -> list[dict]:
    """The overlay with every component."""
    return render(KUBERNETES / "overlays" / "gpu")


def strict(schema: dict) -> dict:
    """Refuse fields a CRD schema does not name, as `kubectl apply` does (strict field
    validation): a misspelt field must fail here, not be dropped by the API server."""
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)
    return schema


def keda_validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = strict(yaml.safe_load(KEDA_SCHEMAS[kind].read_text()))
    return jsonschema.Draft202012Validator(schema)


def test_every_manifest_is_valid_for_kubernetes(objects):
    for item in [*objects, yaml.safe_load(SECRET_EXAMPLE.read_text())]:
        if item["kind"] not in KEDA_SCHEMAS:
            kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)


def test_the_keda_objects_match_their_crd_schema(objects):
    keda = [item for item in objects if item["kind"] in KEDA_SCHEMAS]
    assert {item["kind"] for item in keda} == set(KEDA_SCHEMAS)
    for item in keda:
        assert item["apiVersion"] == "keda.sh/v1alpha1"
        keda_validator(item["kind"]).validate(item)


def test_the_keda_schema_refuses_a_misspelt_field(everything):
    (scaled,) = find(everything, "ScaledObject", "ocrapp-worker-small")
    misspelt = {**scaled, "spec": {**scaled["spec"], "minReplicas": 1}}
    with pytest.raises(jsonschema.ValidationError):
        keda_validator("ScaledObject").validate(misspelt)


def scaled_lists(scaled: dict) -> list[str]:
    return [trigger["metadata"]["listName"] for trigger in scaled["spec"]["triggers"]]


def consumed_queues(objects: list[dict], deployment: dict) -> list[str]:
    """Return the queues a worker Deployment's `celery worker -Q` consumes."""
    container = main_container(deployment)
    line = expand(command_line(container), environment(objects, container))
    return re.search(r" -Q (\S+)", line)[1].split(",")


def test_each_pool_scales_on_the_lists_of_its_own_queues(objects):
    config = settings(config_map(objects) | {"REDIS_URL": "redis://redis:6379/0"})
    lists = broker_lists(config)
    for scaled in find(objects, "ScaledObject"):
        (deployment,) = find(objects, "Deployment", scaled["spec"]["scaleTargetRef"]["name"])
        assert "replicas" not in deployment["spec"], "KEDA sets a scaled pool's replicas"
        counted = [queue for queue in lists if set(lists[queue]) & set(scaled_lists(scaled))]
        assert set(counted) <= set(consumed_queues(objects, deployment))
        # Every list of each queue counted (all four priorities), and nothing else.
        assert sorted(scaled_lists(scaled)) == sorted(key for q in counted for key in lists[q])
    every = [key for scaled in find(objects, "ScaledObject") for key in scaled_lists(scaled)]
    gpu_pool = bool(find(objects, "Deployment", "ocrapp-worker-gpu"))
    served = [queue for queue in lists if gpu_pool or queue != queue_name(config, GPU)]
    expected = [key for queue in served for key in lists[queue]]
    assert sorted(every) == sorted(expected), "each queue's lists counted once, by one pool"


def ocr_pool(objects: list[dict], deployment: dict) -> bool:
    """Whether a worker Deployment reads OCR queues (the webhooks pool does not)."""
    config = settings(environment(objects, main_container(deployment)))
    return bool(set(consumed_queues(objects, deployment)) & set(broker_lists(config)))


def test_every_worker_pool_is_scaled_with_a_minimum_and_a_maximum(objects):
    scaled = {
        item["spec"]["scaleTargetRef"]["name"]: item for item in find(objects, "ScaledObject")
    }
    pools = [
        item["metadata"]["name"]
        for item in find(objects, "Deployment")
        if " worker " in command_line(main_container(item)) and ocr_pool(objects, item)
    ]
    assert sorted(pools) == sorted(scaled)
    for item in scaled.values():
        spec = item["spec"]
        assert 0 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    assert scaled["ocrapp-worker-small"]["spec"]["minReplicaCount"] >= 1, "serves the reaper"


def test_the_scalers_sum_their_lists_in_the_brokers_redis(objects):
    (authentication,) = find(objects, "TriggerAuthentication")
    parameters = {ref["parameter"]: ref for ref in authentication["spec"]["secretTargetRef"]}
    assert set(parameters) == {"address", "password"}
    assert all(ref["key"] in secret_example() for ref in parameters.values())
    pod_environment = environment(objects, main_container(find(objects, "Deployment")[0]))
    broker = settings(pod_environment)["BROKER_URL"]
    address = secret_example()[parameters["address"]["key"]]
    assert broker.startswith("redis://") and f"@{address}/" in broker
    for scaled in find(objects, "ScaledObject"):
        triggers = scaled["spec"]["triggers"]
        modifiers = scaled["spec"]["advanced"]["scalingModifiers"]
        assert modifiers["formula"].split(" + ") == [trigger["name"] for trigger in triggers]
        for trigger in triggers:
            assert trigger["type"] == "redis"
            assert trigger["authenticationRef"]["name"] == authentication["metadata"]["name"]
            assert broker.endswith(f"/{trigger['metadata']['databaseIndex']}")


def test_the_pods_run_the_procfile_lines(everything):
    lines = procfile()
    migrations, web = lines["web"].rsplit(" && ", 1)
    expected = {name: line for name, line in lines.items() if name not in ONE_MACHINE_ONLY}
    expected["web"] = web
    running = {command_line(main_container(item)) for item in workloads(everything)}
    assert set(expected.values()) | {migrations} == running
    (job,) = find(everything, "Job")
    assert command_line(main_container(job)) == migrations


def test_pods_wait_for_the_migrations_instead_of_running_them(everything):
    for item in find(everything, "Deployment"):
        environment_names = environment(everything, main_container(item))
        if "DATABASE_URL" in environment_names:
            (wait,) = pod_spec(item)["initContainers"]
            assert wait["command"][:3] == ["ocrapp", "db", "wait"]
            assert "DATABASE_URL" in environment(everything, wait)
        assert "db upgrade" not in command_line(main_container(item))


def known_variables() -> set[str]:
    """Return the variables some part of ocrapp reads."""
    from ocrapp.config import Settings

    names = set(Settings.model_fields) | {"OCRAPP_INSTANCE_DIR"}
    names |= {name for line in procfile().values() for name, _ in SHELL_REFERENCE.findall(line)}
    names |= set(re.findall(r"os\.environ\.get\([\"'](\w+)", GUNICORN_CONFIG.read_text()))
    # boto3's credentials and region; Tesseract's threads; REDIS_URL's parts.
    names |= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
    return names | {"OMP_THREAD_LIMIT", "REDIS_ADDRESS", "REDIS_PASSWORD"}


def test_pods_get_the_settings_their_processes_need(everything):
    known = known_variables()
    for item in workloads(everything):
        for container in containers(item):
            values = environment(everything, container)
            assert set(values) <= known, f"{container['name']}: unknown {set(values) - known}"
            for name, operator in SHELL_REFERENCE.findall(command_line(container)):
                if operator == ":?":
                    assert values.get(name), f"{container['name']} needs {name}"
            if container["name"] in {"web", "worker", "migrate"}:
                assert {"DATABASE_URL", "REDIS_URL", "STORAGE_URL"} <= set(values)
                assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(values)


def test_flower_gets_the_broker_and_no_database_or_storage_credentials(everything):
    (flower,) = find(everything, "Deployment", "ocrapp-flower")
    values = environment(everything, main_container(flower))
    assert values["REDIS_URL"].startswith("redis://")
    assert not {"DATABASE_URL", "STORAGE_URL", "AWS_SECRET_ACCESS_KEY"} & set(values)


def graceful_timeout(monkeypatch, values: dict[str, str]) -> int:
    """Return gunicorn's graceful timeout under a container's variables."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "unused")  # the config sets a default
    return runpy.run_path(str(GUNICORN_CONFIG))["graceful_timeout"]


def test_web_pods_outlast_the_socket_shutdown_and_are_probed(everything, monkeypatch):
    (web,) = find(everything, "Deployment", "ocrapp-web")
    container, spec = main_container(web), pod_spec(web)
    values = environment(everything, container)
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = spec["terminationGracePeriodSeconds"]
    assert grace >= pause + graceful_timeout(monkeypatch, values)
    (port,) = container["ports"]
    assert port["containerPort"] == int(values["PORT"])
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    (service,) = find(everything, "Service", "ocrapp-web")
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    (budget,) = find(everything, "PodDisruptionBudget", "ocrapp-web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert budget["spec"]["minAvailable"] < web["spec"]["replicas"]


def test_worker_pods_outlast_the_longest_task(everything):
    app = Flask(__name__)
    for item in find(everything, "ScaledObject"):
        (pool,) = find(everything, "Deployment", item["spec"]["scaleTargetRef"]["name"])
        app.config.update(settings(environment(everything, main_container(pool))))
        with app.app_context():
            longest = time_limit(app.config["MAX_PAGES"])
        assert pod_spec(pool)["terminationGracePeriodSeconds"] >= longest


def celery_workers(objects: list[dict]) -> list[dict]:
    """The Deployments whose main container runs `celery worker` (OCR pools, webhooks)."""
    return [
        item
        for item in find(objects, "Deployment")
        if " worker " in command_line(main_container(item))
    ]


def test_no_worker_is_restarted_for_a_broker_outage(everything):
    workers = celery_workers(everything)
    assert len(workers) == 4  # small, large, gpu, webhooks
    for item in workers:
        for container in containers(item):
            # A probe through Redis (`celery inspect ping`) fails while Redis is away.
            assert "livenessProbe" not in container, item["metadata"]["name"]


# The variable of a pool's processes: WORKER_SMALL_CONCURRENCY and the like.
PROCESSES = r"WORKER_\w+_CONCURRENCY"


def mebibytes(quantity: str) -> float:
    """Return a Kubernetes quantity of bytes ("512Mi", "2Gi") in MiB."""
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_ocr_workers_have_a_bounded_tmp_for_each_processs_searchable_pdf(everything):
    config = settings(config_map(everything))
    per_process = config["MAX_PAGES"]  # about 1 MB a page at 300 dpi
    for item in celery_workers(everything):
        if not ocr_pool(everything, item):
            continue
        container, spec = main_container(item), pod_spec(item)
        values = environment(everything, container)
        (processes,) = [int(values[name]) for name in values if re.fullmatch(PROCESSES, name)]
        (mount,) = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
        (volume,) = [volume for volume in spec["volumes"] if volume["name"] == mount["name"]]
        size = mebibytes(volume["emptyDir"]["sizeLimit"])
        assert size >= processes * per_process, item["metadata"]["name"]
        resources = container["resources"]
        assert mebibytes(resources["requests"]["ephemeral-storage"]) >= size
        assert mebibytes(resources["limits"]["ephemeral-storage"]) > size


def test_webhook_pods_outlast_a_delivery(everything):
    (webhooks,) = find(everything, "Deployment", "ocrapp-webhooks")
    config = settings(environment(everything, main_container(webhooks)))
    assert consumed_queues(everything, webhooks) == [config["WEBHOOK_QUEUE"]]
    assert pod_spec(webhooks)["terminationGracePeriodSeconds"] > config["WEBHOOK_TIMEOUT"]


def test_beat_is_one_pod_replaced_not_rolled(everything):
    (beat,) = find(everything, "Deployment", "ocrapp-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = {item["spec"]["scaleTargetRef"]["name"] for item in find(everything, "ScaledObject")}
    assert "ocrapp-beat" not in targets


def test_the_gpu_pool_runs_on_gpu_nodes_and_gets_the_gpu_queue(everything):
    (gpu,) = find(everything, "Deployment", "ocrapp-worker-gpu")
    spec, container = pod_spec(gpu), main_container(gpu)
    assert spec["nodeSelector"]
    assert any(toleration["key"] == "nvidia.com/gpu" for toleration in spec["tolerations"])
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    values = environment(everything, container)
    assert values["OCR_DEVICE"] == "cuda"
    assert settings(values)["GPU_QUEUE"] is True
    assert settings(config_map(render(KUBERNETES / "base")))["GPU_QUEUE"] is False


def test_adding_the_gpu_component_restarts_the_web_pods_that_route_to_it(everything):
    # Pods read the ConfigMap as they start: running web pods would keep GPU_QUEUE=false.
    (base,) = find(render(KUBERNETES / "base"), "Deployment", "ocrapp-web")
    (gpu,) = find(everything, "Deployment", "ocrapp-web")
    assert base["spec"]["template"] != gpu["spec"]["template"]


def test_the_secret_example_holds_placeholders_only():
    for key, value in secret_example().items():
        assert "CHANGE-ME" in value or value.endswith(".example.internal:6379"), key


def test_the_documented_overlay_image_entry_sets_the_image(tmp_path):
    documented = re.search(r"```yaml\n(\s*images:\n.*?)```", DEPLOYMENT_DOC.read_text(), re.S)
    overlay = {"resources": [str(KUBERNETES / "base")], **yaml.safe_load(documented[1])}
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(overlay))
    images = {container["image"] for item in render(tmp_path) for container in containers(item)}
    assert images == {"registry.example.com/ocrapp:1.4"}


def by_kind_and_name(objects: list[dict]) -> list[dict]:
    return sorted(objects, key=lambda item: (item["kind"], item["metadata"]["name"]))


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is not installed")
@pytest.mark.parametrize("build", BUILDS)
def test_kubectl_renders_what_these_tests_check(build):
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES / build)], capture_output=True, check=True
    ).stdout
    expected = by_kind_and_name(render(KUBERNETES / build))
    assert by_kind_and_name(list(yaml.safe_load_all(rendered))) == expected
