"""Admission into a grayscale task's cohort: never more than ``max_users``, even when launches
race (SPEC §6, issue 11).

:func:`grayscale_admit` is what the runtime calls for a matching launch: ``True`` when the user
is already in the cohort (once admitted, always served), or was admitted now under the limit.

* With Redis (``settings.REDIS_URL``): one Lua script per call — ``SISMEMBER``, ``SCARD < limit``,
  ``SADD`` — atomic on the server. The set is seeded from the database the first time a process
  meets it (a flushed Redis never forgets the cohort, so never admits past the limit). A new
  admission is also written to the database (one row, once per user), so the console's
  "users delivered" is right.
* Without Redis: the database. Members are answered by the unique ``(task, user_key)`` row; a
  newcomer locks the task row (``select_for_update``), checks ``admitted_users < limit``, and adds
  the row and the count in the same transaction.

:func:`grayscale_would_admit` answers the same question without admitting (the audience preview).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from releases.grayscale.models import GrayscaleAdmission, GrayscaleTask

logger = logging.getLogger(__name__)

KEY_PREFIX = "mpp:grayscale"
SEED_CHUNK = 5_000

# KEYS[1] the cohort set, KEYS[2] its "seeded from the database" marker; ARGV: user key, limit.
# Returns 1 (member, or admitted now: 2 means newly admitted), 0 (full), -1 (not seeded yet).
_ADMIT_LUA = """
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 2
"""


def _keys(task_id: int) -> tuple[str, str]:
    return f"{KEY_PREFIX}:{task_id}:users", f"{KEY_PREFIX}:{task_id}:seeded"


@cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


@cache
def _script(url: str) -> Any:
    return _client(url).register_script(_ADMIT_LUA)


def _redis_url() -> str:
    return str(getattr(settings, "REDIS_URL", "") or "")


def _seed(client: Any, task_id: int) -> None:
    """Load the cohort from the database into Redis, then mark it seeded (idempotent: two
    processes seeding at once add the same members)."""
    users, seeded = _keys(task_id)
    keys = GrayscaleAdmission.objects.filter(task_id=task_id).values_list("user_key", flat=True)
    batch: list[str] = []
    for key in keys.iterator(chunk_size=SEED_CHUNK):
        batch.append(key)
        if len(batch) >= SEED_CHUNK:
            client.sadd(users, *batch)
            batch = []
    if batch:
        client.sadd(users, *batch)
    client.set(seeded, "1")


def _write_admission(task_id: int, user_key: str) -> None:
    """The admission row and the task's count ("users delivered"), together."""
    GrayscaleAdmission.objects.create(task_id=task_id, user_key=user_key)
    GrayscaleTask.objects.filter(pk=task_id).update(admitted_users=F("admitted_users") + 1)


def _is_member(task_id: int, user_key: str) -> bool:
    return GrayscaleAdmission.objects.filter(task_id=task_id, user_key=user_key).exists()


def _record(task_id: int, user_key: str) -> None:
    """Persist an admission Redis made (once per user)."""
    try:
        with transaction.atomic():
            _write_admission(task_id, user_key)
    except IntegrityError:
        logger.info("grayscale: %s already recorded in task %s", user_key, task_id)


def _admit_redis(url: str, task_id: int, user_key: str, max_users: int) -> bool:
    script = _script(url)
    keys = list(_keys(task_id))
    answer = int(script(keys=keys, args=[user_key, max_users]))
    if answer == -1:
        _seed(_client(url), task_id)
        answer = int(script(keys=keys, args=[user_key, max_users]))
    if answer == 2:
        _record(task_id, user_key)
    return answer > 0


def _admit_db(task_id: int, user_key: str, max_users: int) -> bool:
    if _is_member(task_id, user_key):
        return True
    with transaction.atomic():
        # The task row is the lock every newcomer of this task queues on.
        task = (
            GrayscaleTask.objects.select_for_update()
            .filter(pk=task_id)
            .only("admitted_users", "max_users")
            .first()
        )
        if task is None:
            return False
        if _is_member(task_id, user_key):
            return True  # admitted by a concurrent launch while this one waited for the lock
        if task.admitted_users >= min(max_users, task.max_users):
            return False
        _write_admission(task_id, user_key)
    return True


def grayscale_admit(task_id: int, user_key: str, max_users: int) -> bool:
    """Admit ``user_key`` into task ``task_id`` under ``max_users`` (see the module doc).
    An empty ``user_key`` is never admitted (nobody to count). While Redis cannot be reached,
    members are still served (from the database) and nobody new enters: two counters at once
    could pass the limit."""
    if not user_key or max_users <= 0:
        return False
    url = _redis_url()
    if url:
        import redis

        try:
            return _admit_redis(url, task_id, user_key, max_users)
        except redis.RedisError:
            logger.warning("grayscale: Redis unreachable; task %s admits no newcomer", task_id)
            return _is_member(task_id, user_key)
    return _admit_db(task_id, user_key, max_users)


def grayscale_would_admit(task_id: int, user_key: str, max_users: int) -> bool:
    """Whether :func:`grayscale_admit` would say yes now, changing nothing (the preview)."""
    if not user_key or max_users <= 0:
        return False
    if _is_member(task_id, user_key):
        return True
    admitted = (
        GrayscaleTask.objects.filter(pk=task_id).values_list("admitted_users", flat=True).first()
    )
    return admitted is not None and admitted < max_users


def grayscale_cohort_forget(task_id: int) -> None:
    """Drop a task's Redis set (an ended task; the database keeps the cohort)."""
    url = _redis_url()
    if not url:
        return
    import redis

    try:
        _client(url).delete(*_keys(task_id))
    except redis.RedisError:  # after the commit: never fail the change that ended the task
        logger.warning("grayscale: could not drop the Redis set of task %s", task_id)
