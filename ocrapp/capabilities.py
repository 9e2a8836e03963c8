"""The engines and languages the workers have, as they report them, for the API to check."""

import json

import redis

from ocrapp.errors import ApiError
from ocrapp.events import redis_client


def _key(config) -> str:
    return f"{config['EVENT_NAMESPACE']}:engines"


def register_engines(config, engines: dict[str, list[str]]) -> None:
    """Add a worker's engines and languages to what the deployment offers."""
    client = redis_client(config["REDIS_URL"])
    known = registered_engines(config)
    for name, languages in engines.items():
        merged = sorted(set(languages) | set(known.get(name, [])))
        client.hset(_key(config), name, json.dumps(merged))


def registered_engines(config) -> dict[str, list[str]]:
    """Return each engine some worker has, with its languages."""
    stored = redis_client(config["REDIS_URL"]).hgetall(_key(config))
    return {name.decode(): json.loads(languages) for name, languages in stored.items()}


def check_request(config, engine: str, languages: list[str]) -> None:
    """Answer 400 unless some worker has `engine` with every one of `languages`."""
    try:
        engines = registered_engines(config)
    except redis.RedisError:
        engines = {}  # Redis is down: the enqueue that follows will say so.
    if not engines:
        # No worker has reported yet: only the defaults are known to be served.
        if engine != config["OCR_ENGINE"] or languages != ["eng"]:
            raise ApiError(503, "engines_unknown", "No worker has reported its engines yet.")
        return
    if engine not in engines:
        names = ", ".join(sorted(engines))
        raise ApiError(400, "unknown_engine", f"Unknown engine {engine!r}; choose one of {names}.")
    unknown = [language for language in languages if language not in engines[engine]]
    if unknown:
        raise ApiError(
            400,
            "unsupported_language",
            f"{engine} has no {', '.join(unknown)}; it has {', '.join(engines[engine])}.",
            languages=engines[engine],
        )
