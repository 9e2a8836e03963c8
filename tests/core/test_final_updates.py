"""A task's final update reaches the update history through a Redis restart."""

import threading

from ocrapp.core import lifecycle
from ocrapp.realtime.events import history
from tests.servers import Redis


def test_a_final_update_is_published_once_redis_is_back(app, tmp_path):
    server = Redis(tmp_path)
    server.start()
    config = {**app.config, "REDIS_URL": server.url}
    server.stop()  # Redis restarting as the task ends
    back = threading.Timer(0.5, server.start)
    back.start()
    try:
        with app.app_context():
            app.config["REDIS_URL"] = server.url
            lifecycle._publish(7, {"taskId": "t-1", "status": "completed", "error": None})
        back.join()
        kept = history(config, 7)
        assert [message["data"]["taskId"] for message in kept] == ["t-1"]
    finally:
        back.join()
        server.stop()
