"""Release rules of issue 10 beyond the core flow: sandbox releases reviewed where the host app
asks for it, taking a mini program offline cancels what is in flight there first, and a version
submitted again after a withdrawal or a rejection gets a fresh quality review."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections

from conftest import require_service
from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.services.lifecycle import miniprogram_take_offline
from miniprograms.tests.factories import create_miniprogram
from releases.models import PackageJob, Release, ReleaseTarget, Version
from releases.release.services import (
    release_needs_review,
    release_publish,
    release_submit,
    release_withdraw,
)
from releases.tests.factories import upload_version
from workspaces.authz import CapabilityDenied
from workspaces.models import ApprovalRequest, AuditEvent, HostApp, Membership
from workspaces.services.approvals import approval_approve, approval_reject
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory

S = Release.State
Env = ReleaseTarget.Environment
PROD, SANDBOX, TEST, DEV = Env.PRODUCTION, Env.SANDBOX, Env.TEST, Env.DEVELOPMENT
QUALITY = PackageJob.Kind.QUALITY


def ready_version(actor: Membership, mp: MiniProgram, number: str) -> Version:
    version = upload_version(actor, mp, number)
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    return version


@pytest.fixture
def apps(owner):
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    go, _ = host_app_create(actor=owner, name="Acme Go", platforms={"ios": "a.go"})
    return wallet, go


@pytest.fixture
def shop(owner, apps):
    return create_miniprogram(owner, host_app_ids=[app.pk for app in apps])


@pytest.fixture
def reviewer(tenant):
    return MembershipFactory(workspace=tenant, role="reviewer")


def submit(actor, version, app, environment) -> Release:
    (release,) = release_submit(
        actor=actor, version=version, host_app_ids=[app.pk], environment=environment
    )
    return release


def sandbox_review(app: HostApp, on: bool) -> None:
    HostApp.objects.filter(pk=app.pk).update(sandbox_needs_review=on)
    app.refresh_from_db()


# --- sandbox review ---------------------------------------------------------------------------


def test_sandbox_releases_are_reviewed_only_where_the_host_app_asks(
    owner, reviewer, shop, apps, django_capture_on_commit_callbacks
):
    wallet, go = apps
    sandbox_review(wallet, True)
    version = ready_version(owner, shop, "1.0.0")
    with django_capture_on_commit_callbacks(execute=True):
        reviewed, automatic = release_submit(
            actor=owner, version=version, host_app_ids=[wallet.pk, go.pk], environment=SANDBOX
        )
    by_app = {reviewed.target.host_app_id: reviewed, automatic.target.host_app_id: automatic}
    reviewed, automatic = by_app[wallet.pk], by_app[go.pk]

    assert (reviewed.state, automatic.state) == (S.UNDER_REVIEW, S.APPROVED)
    assert automatic.approval_id is None
    request = ApprovalRequest.objects.get(pk=reviewed.approval_id)
    assert request.summary == f"Version 1.0.0 of {shop.name} to Acme Wallet (sandbox)"
    assert request.payload["environment"] == "sandbox"
    assert AuditEvent.objects.filter(verb="release.auto_approve").count() == 1
    # The deciders hear of it as of a production request.
    assert [m.subject for m in mail.outbox] == [
        f"Review requested: {shop.name} 1.0.0 to Acme Wallet (sandbox)"
    ]
    assert mail.outbox[0].to == [reviewer.user.email]

    approval_approve(actor=reviewer, request_id=request.pk)
    assert release_publish(actor=owner, release_id=reviewed.pk).state == S.RELEASED


def test_the_sandbox_switch_touches_no_other_environment(apps):
    wallet, _ = apps
    sandbox_review(wallet, True)
    assert [release_needs_review(host_app=wallet, environment=env) for env in Env.values] == [
        False,  # development
        False,  # test
        True,  # sandbox
        True,  # production
    ]
    sandbox_review(wallet, False)
    assert not release_needs_review(host_app=wallet, environment=SANDBOX)
    assert release_needs_review(host_app=wallet, environment=PROD)


def test_with_the_switch_off_sandbox_is_approved_at_once(owner, shop, apps):
    version = ready_version(owner, shop, "1.0.0")
    release = submit(owner, version, apps[0], SANDBOX)
    assert (release.state, release.approval_id) == (S.APPROVED, None)
    assert ApprovalRequest.objects.count() == 0


# --- take offline cancels what is in flight -----------------------------------------------------


def test_taking_offline_cancels_the_open_review_and_the_approved_release_there(
    owner, reviewer, shop, apps
):
    wallet, go = apps
    v1, v2 = ready_version(owner, shop, "1.0.0"), ready_version(owner, shop, "1.0.1")
    online = submit(owner, v1, wallet, TEST)
    release_publish(actor=owner, release_id=online.pk)
    under_review = submit(owner, v2, wallet, PROD)
    approved = submit(owner, v2, wallet, TEST)  # approved at once, not published
    sandbox = submit(owner, v2, wallet, SANDBOX)
    elsewhere = submit(owner, v2, go, PROD)

    miniprogram_take_offline(
        actor=owner, miniprogram=shop, host_app_id=wallet.pk, reason="Contract paused"
    )

    states = dict(Release.objects.values_list("pk", "state"))
    assert states[under_review.pk] == S.CANCELLED
    assert states[approved.pk] == S.CANCELLED
    assert states[sandbox.pk] == S.CANCELLED
    assert states[online.pk] == S.RELEASED  # what is online is not a release in flight
    assert states[elsewhere.pk] == S.UNDER_REVIEW  # another host app
    request = ApprovalRequest.objects.get(pk=under_review.approval_id)
    why = "Taken offline from Acme Wallet: Contract paused"
    assert (request.state, request.reason) == (ApprovalRequest.State.CANCELLED, why)
    assert ApprovalRequest.objects.get(pk=elsewhere.approval_id).is_open

    # Audited, with who and why: the request's cancellation and each release's.
    cancel = AuditEvent.objects.get(verb="approval.cancel")
    assert (cancel.actor, cancel.after["reason"]) == (owner.user, why)
    rows = AuditEvent.objects.filter(verb="release.cancelled").order_by("id")
    assert [(row.actor, row.after["note"]) for row in rows] == [(owner.user, why)] * 3
    assert MiniProgramHostApp.objects.get(miniprogram=shop, host_app=wallet).status == "offline"
    # Nothing new goes there while the mini program is offline from it.
    with pytest.raises(ValidationError, match="taken offline from Acme Wallet"):
        submit(owner, v2, wallet, PROD)


def test_taking_offline_with_nothing_in_flight_cancels_nothing(owner, shop, apps):
    miniprogram_take_offline(actor=owner, miniprogram=shop, host_app_id=apps[0].pk)
    assert not AuditEvent.objects.filter(verb="release.cancelled").exists()


def test_a_take_offline_that_fails_keeps_the_review_open(owner, shop, apps, monkeypatch):
    wallet = apps[0]
    version = ready_version(owner, shop, "1.0.0")
    under_review = submit(owner, version, wallet, PROD)

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("miniprograms.services.lifecycle.target_transition", broken)
    with pytest.raises(RuntimeError):
        miniprogram_take_offline(actor=owner, miniprogram=shop, host_app_id=wallet.pk)

    under_review.refresh_from_db()
    assert under_review.state == S.UNDER_REVIEW
    assert ApprovalRequest.objects.get(pk=under_review.approval_id).is_open
    assert not AuditEvent.objects.filter(verb__in=["release.cancelled", "approval.cancel"]).exists()


def test_only_a_manager_takes_offline_and_so_cancels(owner, tenant, shop, apps):
    version = ready_version(owner, shop, "1.0.0")
    under_review = submit(owner, version, apps[0], PROD)
    developer = MembershipFactory(workspace=tenant, role="developer")
    with pytest.raises(CapabilityDenied):
        miniprogram_take_offline(actor=developer, miniprogram=shop, host_app_id=apps[0].pk)
    assert Release.objects.get(pk=under_review.pk).state == S.UNDER_REVIEW


# --- resubmitting restarts the quality review ---------------------------------------------------


@pytest.fixture
def built(owner, shop, django_capture_on_commit_callbacks) -> Version:
    """A version through the real pipeline: scanned, built, quality-reviewed."""
    version = upload_version(owner, shop, "2.0.0", capture=django_capture_on_commit_callbacks)
    assert version.status == Version.Status.READY
    assert PackageJob.objects.get(version=version, kind=QUALITY).state == "succeeded"
    return version


def quality(version: Version) -> PackageJob:
    return PackageJob.objects.get(version=version, kind=QUALITY)


@pytest.mark.parametrize("close", ["reject", "withdraw"])
def test_submitting_again_after_a_rejection_or_withdrawal_restarts_the_quality_review(
    owner, reviewer, shop, apps, built, close
):
    wallet, go = apps
    first = submit(owner, built, wallet, PROD)
    assert quality(built).state == "succeeded"  # a first submission keeps the report
    assert not AuditEvent.objects.filter(verb="version.quality_restart").exists()
    if close == "reject":
        approval_reject(actor=reviewer, request_id=first.approval_id, reason="Too slow")
    else:
        release_withdraw(actor=owner, release_id=first.pk)
    before = quality(built).queued_at

    again = submit(owner, built, wallet, PROD)

    assert again.state == S.UNDER_REVIEW  # the review never waits for the report
    job = quality(built)
    assert (job.state, job.result) == ("queued", None)
    assert job.queued_at > before
    restart = AuditEvent.objects.get(verb="version.quality_restart")
    assert restart.actor == owner.user
    # Submitting elsewhere later, with nothing withdrawn or rejected since: no second restart.
    submit(owner, built, go, PROD)
    assert quality(built).queued_at == job.queued_at
    assert AuditEvent.objects.filter(verb="version.quality_restart").count() == 1


def test_an_approved_or_published_version_submitted_elsewhere_keeps_its_report(
    owner, reviewer, shop, apps, built
):
    wallet, go = apps
    release = submit(owner, built, wallet, PROD)
    approval_approve(actor=reviewer, request_id=release.approval_id)
    release_publish(actor=owner, release_id=release.pk)
    submit(owner, built, go, PROD)
    assert quality(built).state == "succeeded"
    assert not AuditEvent.objects.filter(verb="version.quality_restart").exists()


def test_a_refused_resubmission_restarts_nothing(owner, reviewer, shop, apps, built):
    wallet = apps[0]
    first = submit(owner, built, wallet, PROD)
    approval_reject(actor=reviewer, request_id=first.approval_id, reason="Too slow")
    blocker = ready_version(owner, shop, "2.0.1")
    submit(owner, blocker, wallet, PROD)  # the target is busy now
    with pytest.raises(ValidationError, match="already has a release in progress"):
        submit(owner, built, wallet, PROD)
    assert quality(built).state == "succeeded"
    assert not AuditEvent.objects.filter(verb="version.quality_restart").exists()


# --- races (PostgreSQL: row locks are what is tested; SQLite serialises writers instead) -------


def _race(*clicks) -> list[BaseException | None]:
    """Run the callables at once, each on its own connection; what each raised (or None)."""
    barrier = threading.Barrier(len(clicks))
    outcome: list[BaseException | None] = [None] * len(clicks)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            clicks[index]()
        except BaseException as exc:  # noqa: BLE001 — returned to the test
            outcome[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clicks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", False, "concurrent row locks need it (set DATABASE_URL to postgres://…)"
        )


def _fresh(member: Membership) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(pk=member.pk)


@pytest.mark.django_db(transaction=True)
def test_taking_offline_while_reviewers_approve_always_ends_cancelled(owner, reviewer, apps):
    _postgres_only()
    wallet = apps[0]
    shop = create_miniprogram(owner, host_app_ids=[wallet.pk])
    version = ready_version(owner, shop, "1.0.0")
    release = submit(owner, version, wallet, PROD)
    mp = MiniProgram.objects.get(pk=shop.pk)

    def approve() -> None:
        approval_approve(actor=_fresh(reviewer), request_id=release.approval_id)

    def take_offline() -> None:
        miniprogram_take_offline(actor=_fresh(owner), miniprogram=mp, host_app_id=wallet.pk)

    outcome = _race(take_offline, *[approve] * 5)

    assert outcome[0] is None  # the take-offline never fails because of a decision
    # Approvals after the cancellation are refused with the sentence, never a deadlock.
    assert all(exc is None or isinstance(exc, ValidationError) for exc in outcome[1:])
    assert Release.objects.get(pk=release.pk).state == S.CANCELLED
    assert MiniProgramHostApp.objects.get(miniprogram=shop, host_app=wallet).status == "offline"
    assert AuditEvent.objects.filter(verb="release.cancelled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_submission_racing_a_take_offline_never_leaves_a_release_in_flight_there(owner, apps):
    _postgres_only()
    wallet = apps[0]
    shop = create_miniprogram(owner, host_app_ids=[wallet.pk])
    version = ready_version(owner, shop, "1.0.0")
    mp = MiniProgram.objects.get(pk=shop.pk)

    def submit_now() -> None:
        submit(_fresh(owner), Version.objects.get(pk=version.pk), wallet, PROD)

    def take_offline() -> None:
        miniprogram_take_offline(actor=_fresh(owner), miniprogram=mp, host_app_id=wallet.pk)

    outcome = _race(take_offline, submit_now)

    assert outcome[0] is None
    assert outcome[1] is None or "taken offline from Acme Wallet" in str(outcome[1])
    assert not Release.objects.filter(state__in=Release.OPEN_STATES).exists()
    assert not ApprovalRequest.objects.filter(state="processing").exists()
