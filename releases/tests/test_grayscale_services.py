"""Grayscale tasks (issue 11): the rules with their sentences, the state table and its door, the
member's actions, the beat (re-runs change nothing), publish ends lower tasks, the hotfix path,
the percentage only goes up, staged schedules, the runtime revision, and the compiled rules the
runtime snapshot reads. Admission under concurrency is in test_grayscale_admission.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from miniprograms.models import MiniProgram
from miniprograms.tests.factories import create_miniprogram
from releases.grayscale import services
from releases.grayscale.admission import grayscale_admit
from releases.grayscale.models import GrayscaleAdmission, GrayscaleTargetList, GrayscaleTask
from releases.grayscale.selectors import grayscale_candidates
from releases.grayscale.services import TaskInput
from releases.models import Release, ReleaseTarget, Version
from releases.release.services import release_publish, release_submit
from releases.runtime.models import RuntimeRevision
from releases.tests.factories import upload_version
from releases.transitions import GRAYSCALE_ALLOWED
from workspaces.authz import CapabilityDenied
from workspaces.models import AuditEvent, Membership
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory
from workspaces.transitions import InvalidTransition

G = GrayscaleTask.State
TEST_ENV = ReleaseTarget.Environment.TEST


# --- builders (the API tests use them too) ------------------------------------------------------


def ready_version(actor: Membership, mp: MiniProgram, number: str) -> Version:
    """A version through the upload service, then marked ready (the pipeline is tested
    elsewhere)."""
    version = upload_version(actor, mp, number)
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    return version


def approve(actor: Membership, version: Version, host_app_id: int, env: str = TEST_ENV) -> Release:
    """Submitted outside production: approved at once."""
    [release] = release_submit(
        actor=actor, version=version, host_app_ids=[host_app_id], environment=env
    )
    return release


def online(actor: Membership, version: Version, host_app_id: int) -> Release:
    release = approve(actor, version, host_app_id)
    return release_publish(actor=actor, release_id=release.pk)


def task_input(**overrides) -> TaskInput:
    now = timezone.now()
    values = {
        "name": "Spring cohort",
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(days=7),
        "max_users": 1000,
    }
    values.update(overrides)
    return TaskInput(**values)


def revision() -> int:
    return RuntimeRevision.objects.get(pk=1).n


@pytest.fixture
def wallet(owner):
    app, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    return app


@pytest.fixture
def shop(owner, wallet):
    return create_miniprogram(owner, host_app_ids=[wallet.pk])


@pytest.fixture
def staged(owner, shop, wallet):
    """1.0.0 online on the wallet's test target, 1.1.0 approved there (not published)."""
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v11 = ready_version(owner, shop, "1.1.0")
    release = approve(owner, v11, wallet.pk)
    return release.target, v11, release


def create(owner, staged, **overrides) -> GrayscaleTask:
    target, version, _ = staged
    return services.grayscale_task_create(
        actor=owner, target=target, version=version, data=task_input(**overrides)
    )


# --- create ---------------------------------------------------------------------------------


def test_a_task_whose_start_came_delivers_at_once_audited_and_seen_by_the_runtime(owner, staged):
    before = revision()
    task = create(
        owner,
        staged,
        host_app_version_min="8.0",
        platforms={"android": ["12", ""]},
        networks=["wifi", "5g"],
        accounts="alice\nbob\n\nalice\n",
        percentage="5",
    )
    assert (task.state, task.version.number, task.name) == (G.DELIVERING, "1.1.0", "Spring cohort")
    assert task.percentage == Decimal("5")
    assert task.platforms == {"android": ["12", ""]}
    assert task.networks == ["5g", "wifi"] or task.networks == ["wifi", "5g"]
    [accounts] = GrayscaleTargetList.objects.filter(task=task)
    assert (accounts.kind, accounts.values, accounts.count) == ("account", "alice\nbob", 2)
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="grayscale.").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["grayscale.create", "grayscale.delivering"]
    assert revision() > before
    # The runtime's compiled rule of it.
    [(rule, max_users, state)] = grayscale_candidates()[task.target_id]
    assert (rule.task_id, rule.version, max_users, state) == (task.pk, "1.1.0", 1000, "delivering")
    assert rule.host_app_ranges == {task.target.host_app_id: ("8.0", "")}
    assert rule.platforms == {"android": ("12", "")}
    assert rule.accounts == frozenset({"alice", "bob"}) and rule.guids == frozenset()
    assert rule.networks == frozenset({"wifi", "5g"}) and rule.percentage == 5.0


def test_a_task_starting_later_is_pending_and_the_beat_starts_it_once(owner, staged):
    now = timezone.now()
    task = create(owner, staged, starts_at=now + timedelta(hours=1))
    assert task.state == G.PENDING
    assert services.grayscale_tick(now=now) == {"ended": 0, "started": 0, "advanced": 0}

    later = now + timedelta(hours=1, seconds=1)
    assert services.grayscale_tick(now=later)["started"] == 1
    assert services.grayscale_tick(now=later) == {"ended": 0, "started": 0, "advanced": 0}
    task.refresh_from_db()
    assert task.state == G.DELIVERING
    assert AuditEvent.objects.filter(verb="grayscale.delivering", actor=None).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the task a name."),
        (
            {"name": "A name far longer than twenty"},
            "name",
            "Keep the task name to 20 characters; this one has 29.",
        ),
        (
            {"ends_at": timezone.now() - timedelta(minutes=5)},
            "ends_at",
            "The end time cannot be earlier than the task's creation (now).",
        ),
        (
            {
                "starts_at": timezone.now() + timedelta(days=9),
                "ends_at": timezone.now() + timedelta(days=8),
            },
            "ends_at",
            "The end time must be after the start time.",
        ),
        (
            {"max_users": 0},
            "max_users",
            "The maximum number of users must be a whole number from 1 to 100,000,000.",
        ),
        (
            {"host_app_version_min": "8.x"},
            "host_app_version",
            "The lowest host app version “8.x” is not a version number: write numbers "
            "separated by dots, such as 8.2.1.",
        ),
        (
            {"host_app_version_min": "9", "host_app_version_max": "8.5"},
            "host_app_version",
            "The lowest host app version (9) is higher than the highest (8.5).",
        ),
        (
            {"platforms": {"harmonyos": ["", ""]}},
            "platforms",
            "Choose Android or iOS as platforms; “harmonyos” is not one.",
        ),
        (
            {"platforms": {"ios": ["17", "16.4"]}},
            "platforms",
            "The lowest iOS version (17) is higher than the highest (16.4).",
        ),
        (
            {"networks": ["wifi", "6g"]},
            "networks",
            "Unknown network type “6g”: choose from wifi, 5g, 4g, 3g, 2g, unknown.",
        ),
        ({"percentage": 0}, "percentage", "The percentage must be more than 0 and at most 100."),
        (
            {"percentage": "100.5"},
            "percentage",
            "The percentage must be more than 0 and at most 100.",
        ),
        (
            {"schedule": [[5, 24], [5, 24]]},
            "schedule",
            "Each step of the schedule must raise the percentage: step 2 (5 %) is not above "
            "step 1 (5 %).",
        ),
        (
            {"schedule": [[5, 0], [50, 0]]},
            "schedule",
            "Step 1 of the schedule: hold it for more than 0 and at most 2160 hours.",
        ),
        (
            {"schedule": [[1, 24], [100, 0]], "percentage": 5},
            "percentage",
            "With a schedule the task starts at its first step (1 %): leave the percentage "
            "empty or make it the same.",
        ),
    ],
)
def test_each_input_rule_refuses_with_its_sentence(owner, staged, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        create(owner, staged, **overrides)
    assert caught.value.message_dict[field] == [message]
    assert not GrayscaleTask.objects.exists()


def test_bad_lines_of_a_target_list_are_reported_by_number_and_nothing_is_kept(owner, staged):
    lines = ["guid-1", "has space", "guid-3", "x" * 129]
    with pytest.raises(ValidationError) as caught:
        create(owner, staged, guids="\n".join(lines))
    messages = caught.value.message_dict["guids"]
    assert [m.split(":")[0] for m in messages] == ["Line 2", "Line 4"]
    assert not GrayscaleTask.objects.exists() and not GrayscaleTargetList.objects.exists()


def test_a_large_list_is_one_text_row(owner, staged):
    values = [f"device-{n:06d}" for n in range(100_000)]
    task = create(owner, staged, device_ids="\n".join(values))
    [row] = GrayscaleTargetList.objects.filter(task=task)
    assert (row.kind, row.count) == ("device_id", 100_000)
    assert len(row.value_set()) == 100_000


def test_more_than_100000_lines_are_refused(owner, staged):
    text = "\n".join(f"a{n}" for n in range(100_001))
    with pytest.raises(ValidationError) as caught:
        create(owner, staged, accounts=text)
    [message] = caught.value.message_dict["accounts"]
    assert message.startswith("Line 100001: The list has 100,001 lines; at most 100,000")


def test_the_version_must_have_passed_review_on_the_target(owner, shop, wallet):
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    target = ReleaseTarget.objects.get()
    v11 = ready_version(owner, shop, "1.1.0")
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_create(actor=owner, target=target, version=v11, data=task_input())
    assert caught.value.messages == [
        "Version 1.1.0 has not passed review on Acme Wallet (Test): only an approved version "
        "that is not published yet can be released in grayscale."
    ]


def test_production_needs_the_tenants_approval_first(owner, shop, wallet):
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v11 = ready_version(owner, shop, "1.1.0")
    [pending] = release_submit(
        actor=owner, version=v11, host_app_ids=[wallet.pk], environment="production"
    )
    assert pending.state == Release.State.UNDER_REVIEW
    with pytest.raises(ValidationError, match="has not passed review on Acme Wallet"):
        services.grayscale_task_create(
            actor=owner, target=pending.target, version=v11, data=task_input()
        )


def test_the_first_release_of_a_target_is_a_full_release(owner, shop, wallet):
    v1 = ready_version(owner, shop, "1.0.0")
    release = approve(owner, v1, wallet.pk)
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_create(
            actor=owner, target=release.target, version=v1, data=task_input()
        )
    assert caught.value.messages == [
        "Nothing is online on Acme Wallet (Test) yet: the first release of a mini program is "
        "a full release. Publish version 1.0.0 instead."
    ]


def test_the_version_must_be_higher_than_the_online_one(owner, shop, wallet):
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v2, v3 = ready_version(owner, shop, "1.2.0"), ready_version(owner, shop, "1.3.0")
    online(owner, v3, wallet.pk)
    release = approve(owner, v2, wallet.pk)
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_create(
            actor=owner, target=release.target, version=v2, data=task_input()
        )
    assert caught.value.messages == [
        "Version 1.2.0 is not higher than the online version 1.3.0 on Acme Wallet (Test): a "
        "grayscale release must be newer."
    ]


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_who_may_publish_creates_a_task(owner, tenant, staged, role):
    member = MembershipFactory(workspace=tenant, role=role)
    with pytest.raises(CapabilityDenied):
        create(member, staged)
    admin = MembershipFactory(workspace=tenant, role="admin")
    assert create(admin, staged).state == G.DELIVERING


# --- the state table and the member's actions ---------------------------------------------------


def test_the_state_table():
    table = {
        G.PENDING: frozenset({G.DELIVERING, G.ENDED}),
        G.DELIVERING: frozenset({G.SUSPENDED, G.ENDED}),
        G.SUSPENDED: frozenset({G.DELIVERING, G.ENDED}),
        G.ENDED: frozenset(),
    }
    assert table == GRAYSCALE_ALLOWED


def test_the_door_is_a_no_op_for_the_same_state_and_refuses_what_the_table_does_not_allow(
    owner, staged
):
    task = create(owner, staged)
    _, changed = services.grayscale_transition(actor=None, task_id=task.pk, to=G.DELIVERING)
    assert changed is False
    services.grayscale_transition(actor=None, task_id=task.pk, to=G.ENDED)
    with pytest.raises(InvalidTransition):
        services.grayscale_transition(actor=None, task_id=task.pk, to=G.DELIVERING)
    with pytest.raises(InvalidTransition):
        services.grayscale_transition(actor=None, task_id=task.pk, to=G.PENDING)


def test_suspend_resume_end_with_their_refusals(owner, staged):
    later = create(owner, staged, starts_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_suspend(actor=owner, task_id=later.pk)
    assert caught.value.messages == [
        "Only a delivering task can be suspended; this one is pending."
    ]
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_resume(actor=owner, task_id=later.pk)
    assert caught.value.messages == ["Only a suspended task can be resumed; this one is pending."]

    task = create(owner, staged)
    before = revision()
    assert services.grayscale_task_suspend(actor=owner, task_id=task.pk).state == G.SUSPENDED
    assert revision() > before
    assert services.grayscale_task_suspend(actor=owner, task_id=task.pk).state == G.SUSPENDED
    assert AuditEvent.objects.filter(verb="grayscale.suspended").count() == 1
    # Past its end time a suspended task cannot deliver again.
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_resume(
            actor=owner, task_id=task.pk, now=timezone.now() + timedelta(days=8)
        )
    assert caught.value.messages == [
        "The end time of this task has passed: it cannot deliver again. End it, or start a new "
        "task."
    ]
    assert services.grayscale_task_resume(actor=owner, task_id=task.pk).state == G.DELIVERING

    ended = services.grayscale_task_end(actor=owner, task_id=task.pk, note="Enough")
    assert (ended.state, ended.end_reason) == (G.ENDED, "manual")
    assert services.grayscale_task_end(actor=owner, task_id=task.pk).state == G.ENDED
    assert AuditEvent.objects.filter(verb="grayscale.ended").count() == 1
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_suspend(actor=owner, task_id=task.pk)
    assert caught.value.messages == ["Only a delivering task can be suspended; this one is ended."]


def test_a_suspended_task_at_its_limit_cannot_resume(owner, staged):
    task = create(owner, staged, max_users=2)
    assert grayscale_admit(task.pk, "u1", 2) and grayscale_admit(task.pk, "u2", 2)
    services.grayscale_task_suspend(actor=owner, task_id=task.pk)
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_resume(actor=owner, task_id=task.pk)
    assert caught.value.messages == [
        "This task has reached its limit of 2 users: it cannot deliver to anyone new. End it, "
        "or start a new task."
    ]


# --- the beat ----------------------------------------------------------------------------------


def test_the_beat_ends_tasks_on_their_end_time_and_user_limit_and_a_rerun_changes_nothing(
    owner, staged
):
    now = timezone.now()
    timed = create(owner, staged, name="Timed", ends_at=now + timedelta(hours=1))
    full = create(owner, staged, name="Full", max_users=2)
    waiting = create(
        owner,
        staged,
        name="Never started",
        starts_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(minutes=50),
    )
    assert grayscale_admit(full.pk, "a", 2) and grayscale_admit(full.pk, "b", 2)
    assert not grayscale_admit(full.pk, "c", 2)

    later = now + timedelta(hours=2)
    first = services.grayscale_tick(now=later)
    audit = AuditEvent.objects.count()
    second = services.grayscale_tick(now=later)

    assert first == {"ended": 3, "started": 0, "advanced": 0}
    assert second == {"ended": 0, "started": 0, "advanced": 0}
    assert AuditEvent.objects.count() == audit
    reasons = dict(GrayscaleTask.objects.values_list("name", "end_reason"))
    assert reasons == {"Timed": "end_time", "Full": "user_limit", "Never started": "end_time"}
    assert set(GrayscaleTask.objects.values_list("state", flat=True)) == {G.ENDED}
    assert timed.pk and waiting.pk


def test_the_beat_task_runs_the_tick(owner, staged):
    from releases.grayscale.tasks import grayscale_tick

    create(
        owner,
        staged,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() + timedelta(seconds=1),
    )
    past = timezone.now() - timedelta(seconds=1)
    GrayscaleTask.objects.update(created_at=past - timedelta(days=1), ends_at=past)
    assert grayscale_tick.apply().get() == {"ended": 1, "started": 0, "advanced": 0}
    assert grayscale_tick.apply().get() == {"ended": 0, "started": 0, "advanced": 0}


# --- publish, hotfix -----------------------------------------------------------------------------


def test_publishing_ends_every_task_of_the_same_or_a_lower_version_there(
    owner, shop, wallet, staged
):
    _target, _v11, release = staged
    same = create(owner, staged, name="Same version")
    published = release_publish(actor=owner, release_id=release.pk)
    assert published.state == Release.State.RELEASED
    same.refresh_from_db()
    assert (same.state, same.end_reason) == (G.ENDED, "published")
    row = AuditEvent.objects.get(verb="grayscale.ended")
    assert row.after["note"] == "Version 1.1.0 was published on Acme Wallet (Test)."
    assert row.actor == owner.user


def test_publishing_a_higher_version_ends_lower_tasks(owner, shop, wallet):
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v11 = ready_version(owner, shop, "1.1.0")
    release = approve(owner, v11, wallet.pk)
    task = services.grayscale_task_create(
        actor=owner, target=release.target, version=v11, data=task_input()
    )
    v12 = ready_version(owner, shop, "1.2.0")
    approve(owner, v12, wallet.pk)  # a hotfix submission: the 1.1.0 release makes room
    release.refresh_from_db()
    assert release.state == Release.State.CANCELLED
    release_publish(actor=owner, release_id=Release.objects.get(version=v12).pk)
    task.refresh_from_db()
    assert (task.state, task.end_reason) == (G.ENDED, "published")


def test_the_hotfix_replaces_the_version_for_the_same_cohort(owner, shop, wallet, staged):
    _target, v11, release = staged
    task = create(owner, staged, max_users=3)
    assert grayscale_admit(task.pk, "alice", 3) and grayscale_admit(task.pk, "bob", 3)

    v12 = ready_version(owner, shop, "1.2.0")
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_replace_version(actor=owner, task_id=task.pk, version=v12)
    assert caught.value.messages == [
        "Version 1.2.0 has not passed review on Acme Wallet (Test): only an approved version "
        "that is not published yet can be released in grayscale."
    ]
    hotfix = approve(owner, v12, wallet.pk)  # the task's approved release makes room
    release.refresh_from_db()
    assert release.state == Release.State.CANCELLED
    assert (
        "hotfix of grayscale task “Spring cohort”"
        in (AuditEvent.objects.get(verb="release.cancelled").after["note"])
    )
    before = revision()
    task = services.grayscale_task_replace_version(actor=owner, task_id=task.pk, version=v12)

    assert (task.version, task.state, task.admitted_users) == (v12, G.DELIVERING, 2)
    assert set(GrayscaleAdmission.objects.filter(task=task).values_list("user_key", flat=True)) == {
        "alice",
        "bob",
    }
    assert grayscale_admit(task.pk, "alice", 3)  # still in
    assert revision() > before
    row = AuditEvent.objects.get(verb="grayscale.replace_version")
    assert (row.before["version"], row.after["version"]) == ("1.1.0", "1.2.0")
    # Not newer than the task's version.
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_replace_version(actor=owner, task_id=task.pk, version=v11)
    assert caught.value.messages == [
        "Version 1.1.0 is not newer than the task's version 1.2.0: a hotfix replaces it with a "
        "newer approved version."
    ]
    # Publishing the hotfix ends the task: the full release took over.
    release_publish(actor=owner, release_id=hotfix.pk)
    task.refresh_from_db()
    assert task.state == G.ENDED
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_replace_version(actor=owner, task_id=task.pk, version=v12)
    assert caught.value.messages == [
        "This task has ended: start a new task to release in grayscale again."
    ]


def test_a_submission_without_a_grayscale_task_still_waits_for_the_open_release(
    owner, shop, wallet
):
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    approve(owner, ready_version(owner, shop, "1.1.0"), wallet.pk)
    with pytest.raises(ValidationError, match="already has a release in progress"):
        approve(owner, ready_version(owner, shop, "1.2.0"), wallet.pk)


# --- percentage and schedule -------------------------------------------------------------------


def test_the_percentage_only_goes_up(owner, staged):
    task = create(owner, staged, percentage=5)
    before = revision()
    task = services.grayscale_task_raise_percentage(actor=owner, task_id=task.pk, percentage=20)
    assert task.percentage == Decimal(20) and revision() > before
    for lower in (20, "12.5"):
        with pytest.raises(ValidationError) as caught:
            services.grayscale_task_raise_percentage(actor=owner, task_id=task.pk, percentage=lower)
        assert caught.value.messages == ["The percentage may only go up: it is 20 % now."]
    plain = create(owner, staged, name="Everyone")
    with pytest.raises(ValidationError) as caught:
        services.grayscale_task_raise_percentage(actor=owner, task_id=plain.pk, percentage=50)
    assert caught.value.messages == [
        "This task has no percentage condition: everyone who matches its other conditions gets "
        "the version already."
    ]
    assert AuditEvent.objects.filter(verb="grayscale.percentage").count() == 1


def test_a_staged_schedule_advances_by_beat_pauses_and_reports_100(owner, staged):
    now = timezone.now()
    task = create(owner, staged, schedule=[[1, 1], [25, 2], [100, 0]])
    assert (task.percentage, task.schedule_step) == (Decimal(1), 0)
    start = task.step_started_at

    assert services.grayscale_tick(now=start + timedelta(minutes=59))["advanced"] == 0
    assert services.grayscale_tick(now=start + timedelta(hours=1))["advanced"] == 1
    assert services.grayscale_tick(now=start + timedelta(hours=1))["advanced"] == 0
    task.refresh_from_db()
    assert (task.percentage, task.schedule_step, task.reached_full) == (Decimal(25), 1, False)

    services.grayscale_schedule_pause(actor=owner, task_id=task.pk)
    assert services.grayscale_tick(now=start + timedelta(hours=9))["advanced"] == 0
    resumed_at = start + timedelta(hours=10)
    services.grayscale_schedule_resume(actor=owner, task_id=task.pk, now=resumed_at)
    assert services.grayscale_tick(now=resumed_at + timedelta(hours=1))["advanced"] == 0
    assert services.grayscale_tick(now=resumed_at + timedelta(hours=2))["advanced"] == 1
    task.refresh_from_db()
    assert (task.percentage, task.schedule_step, task.reached_full) == (Decimal(100), 2, True)
    last = AuditEvent.objects.filter(verb="grayscale.advance").latest("pk")
    assert last.after["note"] == "Reached 100 %: the full release can be published."
    assert services.grayscale_tick(now=resumed_at + timedelta(days=3))["advanced"] == 0
    assert now <= start


def test_a_raise_by_hand_skips_the_steps_below_it(owner, staged):
    task = create(owner, staged, schedule=[[1, 1], [5, 1], [50, 1], [100, 0]])
    services.grayscale_task_raise_percentage(actor=owner, task_id=task.pk, percentage=10)
    task.refresh_from_db()
    services.grayscale_tick(now=task.step_started_at + timedelta(hours=1))
    task.refresh_from_db()
    assert (task.percentage, task.schedule_step) == (Decimal(50), 2)


def test_pausing_needs_a_schedule(owner, staged):
    task = create(owner, staged)
    with pytest.raises(ValidationError) as caught:
        services.grayscale_schedule_pause(actor=owner, task_id=task.pk)
    assert caught.value.messages == ["This task has no staged schedule."]


def test_the_runtime_reads_only_delivering_tasks_newest_first_in_two_queries(
    owner, staged, django_assert_num_queries
):
    first = create(owner, staged, name="First", guids="g1")
    second = create(owner, staged, name="Second", device_ids="d1\nd2")
    suspended = create(owner, staged, name="Suspended")
    services.grayscale_task_suspend(actor=owner, task_id=suspended.pk)
    with django_assert_num_queries(2):
        candidates = grayscale_candidates()
    [(newest, _, _), (older, _, _)] = candidates[first.target_id]
    assert (newest.task_id, older.task_id) == (second.pk, first.pk)
    assert newest.device_ids == frozenset({"d1", "d2"}) and older.guids == frozenset({"g1"})


def test_the_whitelist_sentence_for_the_console():
    assert services.WHITELISTS_OUTSIDE_PRODUCTION.startswith(
        "Outside production whitelists do not apply"
    )


# --- off shelf, taken offline -------------------------------------------------------------------


def test_off_shelf_nothing_new_is_released_in_grayscale(owner, shop, staged):
    from miniprograms.services.lifecycle import miniprogram_set_shelf

    miniprogram_set_shelf(actor=owner, miniprogram=shop, on_shelf=False, reason="Maintenance")
    with pytest.raises(ValidationError) as caught:
        create(owner, staged)
    assert caught.value.messages == [
        "The mini program is off shelf: put it on shelf before publishing."
    ]


def test_taking_the_mini_program_offline_ends_its_tasks_there(owner, shop, wallet, staged):
    from miniprograms.services.lifecycle import miniprogram_take_offline

    task = create(owner, staged)
    miniprogram_take_offline(actor=owner, miniprogram=shop, host_app_id=wallet.pk, reason="Audit")
    task.refresh_from_db()
    assert (task.state, task.end_reason) == (G.ENDED, "offline")
    row = AuditEvent.objects.get(verb="grayscale.ended")
    assert row.after["note"] == "Taken offline from Acme Wallet: Audit"
    assert row.target_repr == (
        f"grayscale task “Spring cohort” of {shop.name} on Acme Wallet (Test)"
    )


def test_deleting_the_mini_program_deletes_its_tasks_lists_and_cohorts(owner, shop, staged):
    from miniprograms.services.lifecycle import miniprogram_delete

    task = create(owner, staged, guids="g1")
    assert grayscale_admit(task.pk, "g1", 1000)
    miniprogram_delete(actor=owner, miniprogram=shop, confirm_name=shop.name)
    assert not GrayscaleTask.objects.exists()
    assert not GrayscaleTargetList.objects.exists() and not GrayscaleAdmission.objects.exists()


def test_the_beat_schedule_names_a_task_the_worker_knows(settings):
    from console.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["releases-grayscale-tick"]
    assert entry["schedule"] == timedelta(minutes=1)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
