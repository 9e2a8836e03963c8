"""The engines, languages and devices the workers have, as they report them, for the API.

Kept in a Redis hash: engine name -> {"languages": [...], "devices": [...]}, the union
of what every worker reported.
"""

import json

import redis

from ocrapp.core.errors import EnginesUnknown, UnknownEngine, UnsupportedLanguage
from ocrapp.core.redis_client import redis_client


def _key(config) -> str:
    return f"{config['EVENT_NAMESPACE']}:engines"


def register_engines(config, engines: dict[str, dict]) -> None:
    """Add a worker's engines (each with its languages and device) to what is offered."""
    client = redis_client(config["REDIS_URL"])
    known = registered_engines(config)
    for name, offered in engines.items():
        before = known.get(name, {"languages": [], "devices": []})
        merged = {
            "languages": sorted(set(offered["languages"]) | set(before["languages"])),
            "devices": sorted({offered["device"], *before["devices"]}),
        }
        client.hset(_key(config), name, json.dumps(merged))


def _entry(stored: bytes) -> dict:
    """Read one engine's entry (a bare language list, as workers before 0.2 wrote it)."""
    entry = json.loads(stored)
    return {"languages": entry, "devices": ["cpu"]} if isinstance(entry, list) else entry


def registered_engines(config) -> dict[str, dict]:
    """Return each engine some worker has, with its languages and devices."""
    stored = redis_client(config["REDIS_URL"]).hgetall(_key(config))
    return {name.decode(): _entry(entry) for name, entry in stored.items()}


def check_request(config, engine: str, languages: list[str]) -> None:
    """Refuse the request unless some worker has `engine` with every one of `languages`."""
    try:
        engines = registered_engines(config)
    except redis.RedisError:
        engines = {}  # Redis is down: the enqueue that follows will say so.
    if not engines:
        # No worker has reported yet: only the defaults are known to be served.
        if engine != config["OCR_ENGINE"] or languages != ["eng"]:
            raise EnginesUnknown("No worker has reported its engines yet.")
        return
    if engine not in engines:
        names = ", ".join(sorted(engines))
        raise UnknownEngine(f"Unknown engine {engine!r}; choose one of {names}.")
    offered = engines[engine]["languages"]
    unknown = [language for language in languages if language not in offered]
    if unknown:
        raise UnsupportedLanguage(
            f"{engine} has no {', '.join(unknown)}; it has {', '.join(offered)}.",
            languages=offered,
        )
