"""The database away (down, restarting): a request is answered 503 with the JSON error."""

import io

from ocrapp import create_app
from ocrapp.core.db import db
from tests.documents import text_pdf
from tests.helpers import auth
from tests.stack import free_port


def test_an_upload_while_the_database_is_away_is_answered_503(app, make_user):
    _, token = make_user()
    # A port nothing listens on: PostgreSQL refuses connections, as while it restarts.
    away = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/away"
    # The rate limiter asks who calls first and swallows the error: the view must not then
    # meet a caller never set (`AttributeError: user_id`, a 500).
    client = create_app({**app.config, "DATABASE_URL": away, "RATE_LIMIT": "9 per minute"})
    response = client.test_client().post(
        "/api/tasks",
        headers=auth(token),
        data={"file": (io.BytesIO(text_pdf([["during the restart"]])), "a.pdf")},
    )
    assert response.status_code == 503, response.text
    assert response.json["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_a_request_finding_every_connection_busy_is_answered_503(app, make_user):
    _, token = make_user()
    busy = create_app({**app.config, "DATABASE_POOL_SIZE": 1, "DATABASE_POOL_TIMEOUT": 0.2})
    with db.engine.connect():  # the pool's one connection, taken
        response = busy.test_client().get("/api/tasks", headers=auth(token))
    assert response.status_code == 503, response.text
    assert response.json["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"
