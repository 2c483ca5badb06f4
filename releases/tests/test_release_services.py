"""Release targets and releases: submit, the tenant's review, publish, rollback (issue 10)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.http import Http404

from conftest import require_service
from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import (
    miniprogram_delete,
    miniprogram_set_shelf,
    miniprogram_take_offline,
)
from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget, Version
from releases.release.services import (
    REVIEW_KIND,
    TWO_ROLLBACKS,
    release_publish,
    release_rollback,
    release_submit,
    release_withdraw,
)
from releases.selectors import release_history, release_target_list
from releases.tests.factories import upload_version
from workspaces.authz import CapabilityDenied
from workspaces.models import ApprovalRequest, AuditEvent, Membership, Workspace
from workspaces.services.approvals import approval_approve, approval_cancel, approval_reject
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

S = Release.State
PROD = ReleaseTarget.Environment.PRODUCTION
SANDBOX = ReleaseTarget.Environment.SANDBOX


def ready_version(actor: Membership, mp: MiniProgram, number: str) -> Version:
    """A version through the upload service, then marked ready (the pipeline is tested
    elsewhere; these tests start where it ends)."""
    version = upload_version(actor, mp, number)
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    return version


@pytest.fixture
def apps(owner):
    """Two host apps of the tenant."""
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    go, _ = host_app_create(actor=owner, name="Acme Go", platforms={"ios": "a.go"})
    return wallet, go


@pytest.fixture
def shop(owner, apps):
    """A mini program of the tenant released to both host apps."""
    return create_miniprogram(owner, host_app_ids=[app.pk for app in apps])


@pytest.fixture
def reviewer(tenant):
    return MembershipFactory(workspace=tenant, role="reviewer")


def online(target: ReleaseTarget) -> Release | None:
    return Release.objects.filter(target=target, state=S.RELEASED).first()


def release_online(owner, reviewer, version, app, environment=PROD) -> Release:
    """Submit, approve (in production) and publish ``version`` on ``app``."""
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[app.pk], environment=environment
    )
    if release.approval_id:
        approval_approve(actor=reviewer, request_id=release.approval_id)
    return release_publish(actor=owner, release_id=release.pk)


def test_outside_production_releases_are_approved_at_once(owner, shop, apps):
    version = ready_version(owner, shop, "1.0.0")
    releases = release_submit(
        actor=owner,
        version=version,
        host_app_ids=[app.pk for app in apps],
        environment=SANDBOX,
        notes="first try",
    )
    assert [r.state for r in releases] == [S.APPROVED, S.APPROVED]
    assert all(r.approval_id is None for r in releases)
    assert ApprovalRequest.objects.count() == 0
    assert AuditEvent.objects.filter(verb="release.auto_approve", actor=None).count() == 2
    assert ReleaseTarget.objects.filter(miniprogram=shop, environment=SANDBOX).count() == 2


def test_production_is_reviewed_by_the_tenant_then_published_online(
    owner, reviewer, tenant, shop, apps
):
    wallet = apps[0]
    version = ready_version(owner, shop, "1.0.0")
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[wallet.pk], environment=PROD, notes="v1"
    )
    assert release.state == S.UNDER_REVIEW
    request = ApprovalRequest.objects.get(pk=release.approval_id)
    assert (request.kind, request.deciding_workspace, request.subject_key) == (
        REVIEW_KIND,
        tenant,
        f"release:{release.pk}",
    )
    assert request.summary == f"Version 1.0.0 of {shop.name} to Acme Wallet (production)"
    assert request.payload["release_id"] == release.pk
    assert (request.payload["environment"], request.payload["version"]) == ("production", "1.0.0")

    approval_approve(actor=reviewer, request_id=request.pk)
    release.refresh_from_db()
    assert release.state == S.APPROVED
    row = AuditEvent.objects.get(verb="release.approved")
    assert row.actor == reviewer.user

    published = release_publish(actor=owner, release_id=release.pk)
    assert (published.state, published.published_by, published.replaces) == (
        S.RELEASED,
        owner.user,
        None,
    )
    shop.refresh_from_db()
    assert shop.released_at == published.published_at
    assert shop.released_profile["name"] == shop.name
    (target,) = release_target_list(miniprogram=shop)
    assert (target.online, target.open_release) == (published, None)
    # A repeat is a no-op.
    assert release_publish(actor=owner, release_id=release.pk).state == S.RELEASED
    assert AuditEvent.objects.filter(verb="release.released").count() == 1


def test_a_rejection_with_its_reason_frees_the_target_for_a_new_submission(
    owner, reviewer, shop, apps
):
    wallet = apps[0]
    version = ready_version(owner, shop, "1.0.0")
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[wallet.pk], environment=PROD
    )
    approval_reject(actor=reviewer, request_id=release.approval_id, reason="Crashes on login")
    release.refresh_from_db()
    assert release.state == S.REJECTED
    assert AuditEvent.objects.get(verb="release.rejected").after["note"] == "Crashes on login"
    (again,) = release_submit(
        actor=owner, version=version, host_app_ids=[wallet.pk], environment=PROD
    )
    assert again.state == S.UNDER_REVIEW and again.target_id == release.target_id


def test_the_submitter_cannot_approve_their_own_request_but_may_withdraw_it(owner, shop, apps):
    version = ready_version(owner, shop, "1.0.0")
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[apps[0].pk], environment=PROD
    )
    with pytest.raises(ValidationError, match="You cannot decide a request you submitted"):
        approval_approve(actor=owner, request_id=release.approval_id)
    release.refresh_from_db()
    assert release.state == S.UNDER_REVIEW
    withdrawn = release_withdraw(actor=owner, release_id=release.pk)
    assert withdrawn.state == S.WITHDRAWN
    assert AuditEvent.objects.get(verb="release.withdrawn").actor == owner.user


def test_a_merchant_mini_program_is_reviewed_by_the_tenant_that_owns_the_host_app(
    owner, reviewer, tenant, apps
):
    merchant = WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Shop")
    merchant_owner = MembershipFactory(workspace=merchant, role="owner")
    merchant_mp = create_miniprogram(merchant_owner, host_app_ids=[apps[0].pk])
    version = ready_version(merchant_owner, merchant_mp, "1.0.0")
    (release,) = release_submit(
        actor=merchant_owner, version=version, host_app_ids=[apps[0].pk], environment=PROD
    )
    request = ApprovalRequest.objects.get(pk=release.approval_id)
    assert (request.requesting_workspace, request.deciding_workspace) == (merchant, tenant)
    # The merchant's own Owner is not a decider; the tenant's reviewer is.
    with pytest.raises(Http404):  # off the deciding side: as for a missing request
        approval_approve(actor=merchant_owner, request_id=request.pk)
    approval_approve(actor=reviewer, request_id=request.pk)
    assert release_publish(actor=merchant_owner, release_id=release.pk).state == S.RELEASED


def test_a_second_open_release_on_one_target_is_refused_naming_it(owner, shop, apps):
    wallet, go = apps
    v1, v2 = ready_version(owner, shop, "1.0.0"), ready_version(owner, shop, "1.0.1")
    release_submit(actor=owner, version=v1, host_app_ids=[wallet.pk], environment=PROD)
    with pytest.raises(ValidationError, match=r"Acme Wallet \(Production\) already has a release"):
        release_submit(actor=owner, version=v2, host_app_ids=[go.pk, wallet.pk], environment=PROD)
    # All or nothing: nothing was created for Acme Go either.
    assert Release.objects.count() == 1
    assert ApprovalRequest.objects.count() == 1


def test_a_version_that_is_not_ready_is_refused(owner, shop, apps):
    version = upload_version(owner, shop, "1.0.0")
    with pytest.raises(ValidationError, match=r"Version 1\.0\.0 is not ready"):
        release_submit(actor=owner, version=version, host_app_ids=[apps[0].pk], environment=PROD)


def test_a_host_app_the_mini_program_is_not_released_to_is_refused(owner, apps):
    lonely = create_miniprogram(owner, host_app_ids=[apps[0].pk])
    version = ready_version(owner, lonely, "1.0.0")
    with pytest.raises(ValidationError, match="not a host app this mini program is released to"):
        release_submit(actor=owner, version=version, host_app_ids=[apps[1].pk], environment=PROD)
    miniprogram_take_offline(
        actor=owner, miniprogram=lonely, host_app_id=apps[0].pk, reason="Paused"
    )
    with pytest.raises(ValidationError, match="taken offline from Acme Wallet"):
        release_submit(actor=owner, version=version, host_app_ids=[apps[0].pk], environment=PROD)
    assert Release.objects.count() == 0


def test_off_shelf_submitting_is_allowed_and_publishing_refused(owner, shop, apps):
    miniprogram_set_shelf(actor=owner, miniprogram=shop, on_shelf=False, reason="Maintenance")
    version = ready_version(owner, shop, "1.0.0")
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[apps[0].pk], environment=SANDBOX
    )
    with pytest.raises(ValidationError, match="The mini program is off shelf"):
        release_publish(actor=owner, release_id=release.pk)
    release.refresh_from_db()
    assert release.state == S.APPROVED


def test_publish_archives_the_previous_release_and_copies_the_profile_only_in_production(
    owner, reviewer, shop, apps
):
    wallet = apps[0]
    v1, v2 = ready_version(owner, shop, "1.0.0"), ready_version(owner, shop, "1.0.1")
    first = release_online(owner, reviewer, v1, wallet, environment=SANDBOX)
    second = release_online(owner, reviewer, v2, wallet, environment=SANDBOX)
    first.refresh_from_db()
    assert (first.state, second.replaces) == (S.ARCHIVED, first)
    assert first.archived_at == second.published_at
    shop.refresh_from_db()
    assert not shop.released_profile and shop.released_at is None
    release_online(owner, reviewer, v2, wallet, environment=PROD)
    shop.refresh_from_db()
    assert shop.released_profile and shop.released_at is not None


def test_rollback_goes_back_once_and_refuses_a_second_in_a_row(owner, reviewer, shop, apps):
    wallet = apps[0]
    v1, v2, v3 = (ready_version(owner, shop, n) for n in ("1.0.0", "1.0.1", "1.0.2"))
    first = release_online(owner, reviewer, v1, wallet)
    target = first.target
    with pytest.raises(ValidationError, match="no earlier version to go back to"):
        release_rollback(actor=owner, target_id=target.pk)
    second = release_online(owner, reviewer, v2, wallet)

    rollback = release_rollback(actor=owner, target_id=target.pk, note="Checkout broke")
    second.refresh_from_db()
    assert (rollback.kind, rollback.state, rollback.version, rollback.replaces) == (
        Release.Kind.ROLLBACK,
        S.RELEASED,
        v1,
        second,
    )
    assert second.state == S.ARCHIVED
    assert online(target) == rollback
    with pytest.raises(ValidationError) as refused:
        release_rollback(actor=owner, target_id=target.pk)
    assert refused.value.messages == [TWO_ROLLBACKS]
    assert online(target) == rollback

    third = release_online(owner, reviewer, v3, wallet)
    assert release_rollback(actor=owner, target_id=target.pk).version == v1
    assert [r.pk for r in release_history(target=target)][:2][1] == third.pk
    shop.refresh_from_db()
    assert shop.released_at == online(target).published_at


def test_target_list_and_history_queries_do_not_grow_with_rows(
    owner, reviewer, shop, apps, django_assert_num_queries
):
    v1 = ready_version(owner, shop, "1.0.0")
    release_online(owner, reviewer, v1, apps[0], environment=SANDBOX)
    with django_assert_num_queries(2):
        small = release_target_list(miniprogram=shop)
    for app in apps:
        for env in (ReleaseTarget.Environment.TEST, ReleaseTarget.Environment.DEVELOPMENT):
            release_online(owner, reviewer, v1, app, environment=env)
    release_submit(actor=owner, version=v1, host_app_ids=[apps[1].pk], environment=PROD)
    with django_assert_num_queries(2):
        big = release_target_list(miniprogram=shop)
    assert (len(small), len(big)) == (1, 6)
    assert sum(t.open_release is not None for t in big) == 1
    with django_assert_num_queries(1):
        assert len(list(release_history(target=big[0]))) >= 1


def test_the_database_refuses_two_released_rows_on_one_target(owner, shop, apps):
    v1, v2 = ready_version(owner, shop, "1.0.0"), ready_version(owner, shop, "1.0.1")
    target = ReleaseTarget.objects.create(miniprogram=shop, host_app=apps[0], environment=PROD)
    Release.objects.create(target=target, version=v1, state=S.RELEASED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(target=target, version=v2, state=S.RELEASED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(target=target, version=v2, state="online")
    Release.objects.create(target=target, version=v2, state=S.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(target=target, version=v2, state=S.UNDER_REVIEW)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_publishes_make_one_transition(owner, apps):
    """Row locks are what is tested (PostgreSQL): SQLite serialises writers instead."""
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", False, "concurrent row locks need it (set DATABASE_URL to postgres://…)"
        )
    shop = create_miniprogram(owner, host_app_ids=[apps[0].pk])
    version = ready_version(owner, shop, "1.0.0")
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[apps[0].pk], environment=SANDBOX
    )
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            member = Membership.objects.select_related("workspace", "user").get(pk=owner.pk)
            barrier.wait(timeout=60)
            release_publish(actor=member, release_id=release.pk)
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Release.objects.get(pk=release.pk).state == S.RELEASED
    assert AuditEvent.objects.filter(verb="release.released").count() == 1


def test_deleting_the_mini_program_takes_its_releases_with_it(owner, reviewer, shop, apps):
    v1, v2 = ready_version(owner, shop, "1.0.0"), ready_version(owner, shop, "1.0.1")
    release_online(owner, reviewer, v1, apps[0])
    release_online(owner, reviewer, v2, apps[0])
    release_submit(actor=owner, version=v2, host_app_ids=[apps[1].pk], environment=SANDBOX)
    miniprogram_delete(actor=owner, miniprogram=shop, confirm_name=shop.name)
    assert (ReleaseTarget.objects.count(), Release.objects.count()) == (0, 0)


def test_a_cancelled_review_cancels_the_release(owner, shop, apps):
    version = ready_version(owner, shop, "1.0.0")
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[apps[0].pk], environment=PROD
    )
    approval_cancel(actor_user=None, request_id=release.approval_id, reason="Taken offline")
    release.refresh_from_db()
    assert release.state == S.CANCELLED
    assert AuditEvent.objects.get(verb="release.cancelled").after["note"] == "Taken offline"


def test_who_may_submit_and_publish(owner, tenant, reviewer, shop, apps):
    version = ready_version(owner, shop, "1.0.0")
    unassigned = MembershipFactory(workspace=tenant, role="developer")
    for member in (reviewer, unassigned):
        with pytest.raises(CapabilityDenied):
            release_submit(
                actor=member, version=version, host_app_ids=[apps[0].pk], environment=SANDBOX
            )
    (release,) = release_submit(
        actor=owner, version=version, host_app_ids=[apps[0].pk], environment=SANDBOX
    )
    for member in (reviewer, unassigned):
        with pytest.raises(CapabilityDenied):
            release_publish(actor=member, release_id=release.pk)
    # An Owner of another workspace manages nothing here.
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with pytest.raises(CapabilityDenied):
        release_publish(actor=stranger, release_id=release.pk)
    assert Release.objects.get(pk=release.pk).state == S.APPROVED
