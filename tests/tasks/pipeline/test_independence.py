"""The pipeline stands alone: it imports neither Flask, SQLAlchemy nor Celery."""

import pkgutil
import subprocess
import sys

import tasks.pipeline

FRAMEWORKS = ("flask", "sqlalchemy", "celery", "kombu", "redis", "boto3")


def pipeline_modules() -> list[str]:
    """Every module of the pipeline, found by walking the package."""
    return [
        module.name for module in pkgutil.walk_packages(tasks.pipeline.__path__, "tasks.pipeline.")
    ]


def test_the_pipeline_imports_no_web_database_or_queue_framework():
    modules = pipeline_modules()
    assert "tasks.pipeline.reading" in modules and "tasks.pipeline.layout.guided" in modules
    code = (
        f"import sys\nfor name in {modules!r}: __import__(name)\n"
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[-2] == "[]"
