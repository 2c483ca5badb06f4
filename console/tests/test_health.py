"""``/healthz`` answers while the process lives; ``/readyz`` reports each dependency."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from conftest import _redis_answers, require_service
from console import health
from console.celery import app as celery_app

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_answers_without_touching_dependencies(client):
    # No django_db mark: any database query here would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_check_when_all_answer(client, settings):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"] in {"sqlite", "postgresql"}
    assert body["checks"]["cache"]["detail"] in {"LocMemCache", "RedisCache"}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        assert body["checks"]["broker"]["detail"].startswith("in-process")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_cache_when_redis_is_down(client):
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    # override_settings (not the settings fixture) so the cache is restored before the
    # autouse fixture clears it.
    with override_settings(CACHES=dead_cache):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["detail"] == "failed"
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["detail"] == "failed"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_checks_the_real_broker_when_one_is_configured(client, settings):
    require_service("Redis", bool(settings.REDIS_URL), "REDIS_URL is not set")
    require_service("Redis", _redis_answers(settings.REDIS_URL))
    settings.CELERY_BROKER_URL = celery_app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"] == {
        **response.json()["checks"]["broker"],
        "ok": True,
        "detail": "redis",
    }


@pytest.mark.django_db
def test_a_failing_check_names_no_host_and_no_exception_but_logs_them(client, monkeypatch, caplog):
    secret_host = "db-primary.internal.example:5432"

    def broken() -> str:
        raise ConnectionError(f"could not connect to server at {secret_host} (user mpp)")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    with caplog.at_level(logging.WARNING, logger="console.health"):
        response = client.get("/readyz")

    assert response.status_code == 503
    text = response.content.decode()
    for leak in (secret_host, "db-primary", "ConnectionError", "could not connect", "mpp)"):
        assert leak not in text, leak
    body = response.json()
    assert body["checks"]["database"] == {**body["checks"]["database"], "ok": False}
    assert body["checks"]["database"]["detail"] == "failed"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["request_id"] == response["X-Request-ID"]
    [record] = [r for r in caplog.records if r.name == "console.health"]
    assert "database" in record.getMessage()
    assert secret_host in str(record.exc_info[1])
    assert record.request_id == response["X-Request-ID"]
