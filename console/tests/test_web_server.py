"""The web server of the Docker image (Granian, the Dockerfile's ``CMD``) serving
``console.wsgi``: started as the image starts it, on a free port; and the entry point's removal
of the process environment from each request's environ (``console.wsgienv``)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import request_started
from django.test import RequestFactory

from bench.resolve import dockerfile_command, server_command
from console.tests.test_cli import free_port
from console.wsgienv import process_names, without_process_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    assert dockerfile_command()[-1] == "console.wsgi:application"
    port = free_port()
    command = server_command("console.wsgi:application", port, 1, access_log=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "console.settings.test",
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path_factory.mktemp("granian") / "server.log"
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"granian did not start:\n{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _ask(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes = b"", **headers
) -> tuple[int, dict[str, str], bytes]:
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_the_images_server_answers_the_console_on_one_kept_alive_connection(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    try:
        status, headers, body = _ask(
            connection, "GET", "/healthz", **{"X-Request-ID": "granian-test-0001"}
        )
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers["x-request-id"] == "granian-test-0001"
        assert headers["x-content-type-options"] == "nosniff"
        # the same connection again (keep-alive), now a request with a body that the send's
        # fast path reads and hands to Django: its refusal, with the body intact
        payload = json.dumps({"template_id": "t", "to_user_id": "u", "data": {}}).encode()
        status, headers, body = _ask(
            connection,
            "POST",
            "/open/v1/messages",
            payload,
            **{"Content-Type": "application/json", "Authorization": "Bearer not-a-token"},
        )
        assert status == 401, body
        assert json.loads(body)["error"]["request_id"] == headers["x-request-id"]
    finally:
        connection.close()


def test_process_names_keep_every_name_a_server_sets_for_the_request() -> None:
    names = process_names(
        [
            "SECRET_KEY",
            "DATABASE_URL",
            "PATH",
            "HTTP_HOST",
            "CONTENT_TYPE",
            "REQUEST_METHOD",
            "PATH_INFO",
            "QUERY_STRING",
            "SCRIPT_NAME",
            "SERVER_NAME",
            "REMOTE_ADDR",
            "wsgi.input",
            "HTTPS",
        ]
    )
    assert names == ("DATABASE_URL", "PATH", "SECRET_KEY")


def test_the_process_environment_is_removed_and_the_request_kept() -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return []

    wrapped = without_process_environment(app, ["EMAIL_URL", "HTTP_X_TRACE", "PATH_INFO"])
    # what Granian passes: the process environment, then the request's own names over it
    wrapped({"EMAIL_URL": "smtp://u:secret@mail", "HTTP_X_TRACE": "t1", "PATH_INFO": "/a"}, None)
    assert "EMAIL_URL" not in seen
    assert (seen["HTTP_X_TRACE"], seen["PATH_INFO"]) == ("t1", "/a")


def test_console_wsgi_hands_django_no_name_of_the_process_environment() -> None:
    from console.wsgi import application

    # the names read when console.wsgi was imported (pytest sets this one per test, later)
    process = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    assert "PATH" in process
    environ = {**process, **RequestFactory()._base_environ(PATH_INFO="/healthz")}  # as Granian
    received: list[dict[str, Any]] = []

    def spy(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        received.append(dict(environ))

    request_started.connect(spy)
    try:
        result = application(environ, lambda status, headers, exc_info=None: None)
        b"".join(result)
        result.close()
    finally:
        request_started.disconnect(spy)
    assert received, "Django saw the request"
    leaked = set(received[0]) & set(process_names(process))
    assert not leaked
    assert received[0]["PATH_INFO"] == "/healthz"
    assert application.send is not None  # the fast paths' handles are kept on the wrapper
