"""The deployment files stay consistent with the code (Docker cannot run in CI, YAML can)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

from bench.resolve import dockerfile_command

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _default(value: str) -> str:
    """The value compose uses when the variable is unset: ``${X:-default}`` -> ``default``."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return match.group(1) if match else value


# ``${X:?message}``: compose refuses to start when X is unset or empty.
REQUIRED = re.compile(r"\$\{(\w+):\?[^}]+\}")
# Variables whose value is a secret: compose must never supply one of its own.
SECRETS = (
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "HASH_PEPPER",
    "EMAIL_URL",
    "S3_SECRET_ACCESS_KEY",
    "RUNTIME_SIGNING_KEY",
)


def test_compose_has_the_five_services(compose):
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(compose["services"])


def test_worker_consumes_every_queue_and_beat_schedules(compose, settings):
    worker = _command(compose["services"]["worker"])
    beat = _command(compose["services"]["beat"])

    assert worker[:4] == ["celery", "-A", "console", "worker"]
    queues = worker[worker.index("-Q") + 1] if "-Q" in worker else ""
    assert set(queues.split(",")) == set(settings.CELERY_QUEUES_ALL)
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} == set(settings.CELERY_QUEUES_ALL)
    assert beat[:4] == ["celery", "-A", "console", "beat"]


def test_web_runs_granian_on_the_wsgi_entry_and_migrations_run_first(compose):
    services = compose["services"]
    assert "command" not in services["web"]  # the image's own CMD
    web = dockerfile_command()
    assert web[0] == "granian" and web[-1] == "console.wsgi:application"
    assert web[web.index("--interface") + 1] == "wsgi"
    # one request at a time a process, as the fast paths and the sync views expect
    assert web[web.index("--blocking-threads") + 1] == web[web.index("--backpressure") + 1] == "1"
    assert "ENV GRANIAN_WORKERS=3" in (ROOT / "Dockerfile").read_text()
    assert _command(services["migrate"])[-2:] == ["migrate", "--noinput"]
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_every_service_that_others_wait_on_has_a_healthcheck(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "ping" in str(services["redis"]["healthcheck"]["test"])
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])
    for name in (*APP_SERVICES, "migrate"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name


def test_images_and_volumes(compose):
    services = compose["services"]
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    assert services["redis"]["image"].split(":")[1].startswith("7")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    media_root = _env(services["web"])["MEDIA_ROOT"]
    for name in ("web", "worker"):
        assert any(v.endswith(f":{media_root}") for v in services[name]["volumes"]), name
    assert {"pgdata", "media"} <= set(compose["volumes"])


def test_app_services_run_production_settings_from_the_environment(compose):
    for name in (*APP_SERVICES, "migrate"):
        env = _env(compose["services"][name])
        assert env["DJANGO_SETTINGS_MODULE"] == "console.settings.production", name
        assert _default(env["DATABASE_URL"]).startswith("postgres://"), name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name
        assert REQUIRED.fullmatch(env["SECRET_KEY"]), name  # no default key: .env sets it
        assert REQUIRED.search(env["DATABASE_URL"]).group(1) == "POSTGRES_PASSWORD", name
        assert REQUIRED.fullmatch(env["EMAIL_URL"]), name  # production.py requires one
        assert _default(env["ALLOW_SIGNUP"]) == "false", name
        assert "127.0.0.1" in _default(env["ALLOWED_HOSTS"]).split(","), name  # health check
        assert _default(env["SECURE_SSL_REDIRECT"]) == "false", name


def test_compose_supplies_no_secret_of_its_own(compose):
    """A stack started without .env must refuse to start, not sign sessions with a published
    key or open the database with a published password."""
    text = (ROOT / "docker-compose.yml").read_text()
    for name in SECRETS:
        assert not re.search(rf"\$\{{{name}:?-", text), f"{name} has a default in compose"
        assert not re.search(rf"^\s*{name}:\s*\"?[^\s\"$]", text, re.M), f"{name} is a literal"
    assert REQUIRED.fullmatch(_env(compose["services"]["postgres"])["POSTGRES_PASSWORD"])
    required = set(REQUIRED.findall(text))
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "EMAIL_URL"} <= required
    for name in required:  # each refusal tells the operator where to set the variable
        assert re.search(rf"\$\{{{name}:\?[^}}]*\.env", text), name


def test_dockerfile_installs_the_runtime_requirements_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line[:1].isupper()]
    froms = [args for op, args in instructions if op == "FROM"]
    users = [args.strip() for op, args in instructions if op == "USER"]

    assert froms and froms[-1].startswith("python:3.11-slim")
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert users and users[-1] not in {"root", "0"}


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "var"} <= ignored


def _variables_read_by_the_settings() -> set[str]:
    names: set[str] = set()
    pattern = re.compile(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"")
    for path in (ROOT / "console" / "settings").glob("*.py"):
        names.update(pattern.findall(path.read_text()))
    return names


def test_env_example_documents_every_variable_the_settings_read():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M)
    )
    read = _variables_read_by_the_settings()

    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "EMAIL_URL", "S3_BUCKET"} <= read
    assert read - documented == set()


def test_env_example_changes_nothing_when_copied_as_is():
    """Copying .env.example to .env must keep the embedded default working: all commented."""
    for line in (ROOT / ".env.example").read_text().splitlines():
        assert not line.strip() or line.lstrip().startswith("#"), line


def test_ci_script_is_strict_and_requires_the_real_services():
    script = ROOT / ".ci" / "run"
    text = script.read_text()

    assert os.access(script, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text
    assert "MPP_REQUIRE_SERVICES=1" in text
    assert "check --deploy" in text or "check-deploy" in text


def test_makefile_has_the_contract_targets():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    assert {"run", "test", "lint", "fmt", "check", "worker", "beat"} <= targets


def test_make_worker_consumes_every_queue(settings):
    makefile = (ROOT / "Makefile").read_text()
    [queues] = re.findall(r"celery -A console worker -Q (\S+)", makefile)
    assert set(queues.split(",")) == set(settings.CELERY_QUEUES_ALL)
