"""Admission into a grayscale cohort (issue 11): never more than ``max_users``, even when 50
launches race — on PostgreSQL (row lock on the task) and on Redis (one Lua script) — and the
admissions are persisted, so "users delivered / limit" is right."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from conftest import own_redis_url, require_service
from miniprograms.tests.factories import create_miniprogram
from releases.grayscale import admission
from releases.grayscale.admission import grayscale_admit, grayscale_would_admit
from releases.grayscale.models import GrayscaleAdmission, GrayscaleTask
from releases.grayscale.services import grayscale_task_create
from releases.tests.test_grayscale_services import (  # the builders
    approve,
    online,
    ready_version,
    task_input,
)
from workspaces.services.hostapps import host_app_create

REDIS_URL = own_redis_url(7)  # this suite's own Redis database (one per xdist worker)


def _task(owner, *, max_users: int) -> GrayscaleTask:
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    shop = create_miniprogram(owner, host_app_ids=[wallet.pk])
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v11 = ready_version(owner, shop, "1.1.0")
    release = approve(owner, v11, wallet.pk)
    return grayscale_task_create(
        actor=owner, target=release.target, version=v11, data=task_input(max_users=max_users)
    )


def _race(count: int, call) -> list[object]:
    """``call(i)`` from ``count`` threads at once, each on its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = call(index)
        except BaseException as exc:  # noqa: BLE001 — returned to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", False, "concurrent row locks need it (set DATABASE_URL to postgres://…)"
        )


@pytest.fixture
def redis_admission(settings):
    """Admission through this suite's Redis database, its grayscale keys cleared around."""
    try:
        client = admission._client(REDIS_URL)
        client.ping()
    except Exception as exc:  # noqa: BLE001 — any failure means no Redis here
        require_service("Redis", False, str(exc))
    settings.REDIS_URL = REDIS_URL

    def clear() -> None:
        keys = list(client.scan_iter(f"{admission.KEY_PREFIX}:*"))
        if keys:
            client.delete(*keys)

    clear()
    yield client
    clear()


def _cohort(task: GrayscaleTask) -> set[str]:
    return set(GrayscaleAdmission.objects.filter(task=task).values_list("user_key", flat=True))


def test_the_database_admits_up_to_the_limit_and_keeps_members(owner, settings):
    settings.REDIS_URL = ""
    task = _task(owner, max_users=3)
    answers = [grayscale_admit(task.pk, f"user-{n}", 3) for n in range(5)]
    assert answers == [True, True, True, False, False]
    assert grayscale_admit(task.pk, "user-1", 3) is True  # once in, always in
    assert grayscale_admit(task.pk, "", 3) is False  # nobody to count
    task.refresh_from_db()
    assert task.admitted_users == 3
    assert _cohort(task) == {"user-0", "user-1", "user-2"}


def test_would_admit_answers_without_admitting(owner, settings):
    settings.REDIS_URL = ""
    task = _task(owner, max_users=1)
    assert grayscale_would_admit(task.pk, "ann", 1) is True
    assert not GrayscaleAdmission.objects.exists()
    assert grayscale_admit(task.pk, "ann", 1)
    assert grayscale_would_admit(task.pk, "ann", 1) is True
    assert grayscale_would_admit(task.pk, "ben", 1) is False
    assert grayscale_would_admit(task.pk, "", 1) is False


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_launches_never_pass_a_limit_of_ten_on_postgresql(owner, settings):
    _postgres_only()
    settings.REDIS_URL = ""
    task = _task(owner, max_users=10)

    results = _race(50, lambda i: grayscale_admit(task.pk, f"device-{i}", 10))

    assert all(isinstance(r, bool) for r in results), results
    assert results.count(True) == 10
    task.refresh_from_db()
    assert task.admitted_users == 10
    assert len(_cohort(task)) == 10
    # The same 50 again (each one twice, at once): members stay in, nobody new gets in.
    again = _race(50, lambda i: grayscale_admit(task.pk, f"device-{i % 50}", 10))
    assert [r for r in again if r is True].__len__() == 10
    task.refresh_from_db()
    assert task.admitted_users == 10


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_launches_never_pass_a_limit_of_ten_on_redis(owner, redis_admission):
    task = _task(owner, max_users=10)

    results = _race(50, lambda i: grayscale_admit(task.pk, f"device-{i}", 10))

    assert all(isinstance(r, bool) for r in results), results
    assert results.count(True) == 10
    users, _seeded = admission._keys(task.pk)
    assert redis_admission.scard(users) == 10
    # Persisted: the console's "users delivered / limit" is right.
    task.refresh_from_db()
    assert task.admitted_users == 10
    admitted = {f"device-{i}" for i, r in enumerate(results) if r is True}
    assert _cohort(task) == admitted


def test_a_flushed_redis_is_seeded_from_the_database_and_never_passes_the_limit(
    owner, redis_admission
):
    task = _task(owner, max_users=2)
    assert grayscale_admit(task.pk, "ann", 2) and grayscale_admit(task.pk, "ben", 2)
    redis_admission.delete(*admission._keys(task.pk))  # Redis lost everything

    assert grayscale_admit(task.pk, "cid", 2) is False  # the cohort came back from the database
    assert grayscale_admit(task.pk, "ann", 2) is True
    task.refresh_from_db()
    assert task.admitted_users == 2
    assert _cohort(task) == {"ann", "ben"}


def test_while_redis_is_unreachable_members_are_served_and_nobody_new_enters(owner, settings):
    settings.REDIS_URL = ""
    task = _task(owner, max_users=5)
    assert grayscale_admit(task.pk, "ann", 5)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    assert grayscale_admit(task.pk, "ann", 5) is True
    assert grayscale_admit(task.pk, "ben", 5) is False
    task.refresh_from_db()
    assert task.admitted_users == 1
