"""Submit a ready version for release to some of the mini program's host apps.

A production release is reviewed by the tenant that owns the host app through the approvals
core (kind ``REVIEW_KIND``); so is a sandbox release on a host app whose sandbox releases need
review (``HostApp.sandbox_needs_review``). Anything else is approved at once. A version that
was withdrawn or rejected and is submitted again gets a fresh quality review.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from console.text import clean_display_text
from miniprograms.models import MiniProgram, MiniProgramHostApp
from releases.models import PackageJob, Release, ReleaseTarget, Version
from releases.release.events import release_event
from releases.release.state import (
    NOTES_MAX,
    REVIEW_KIND,
    Env,
    State,
    locked_target,
    require_on,
    snapshot,
    where,
)
from releases.services.versions import version_restart_quality
from workspaces.authz import Cap
from workspaces.models import HostApp, Membership
from workspaces.services.approvals import approval_request_open
from workspaces.services.audit import audit_record

# A version submitted again after one of these gets a fresh quality review.
RESUBMIT_AFTER = (State.WITHDRAWN, State.REJECTED)


def release_needs_review(*, host_app: HostApp, environment: str) -> bool:
    """Production always; sandbox when the host app asks for it; never elsewhere."""
    if environment == Env.PRODUCTION:
        return True
    return environment == Env.SANDBOX and host_app.sandbox_needs_review


def _active_host_targets(
    *, miniprogram: MiniProgram, host_app_ids: Iterable[int]
) -> list[MiniProgramHostApp]:
    wanted = sorted({int(pk) for pk in host_app_ids})
    if not wanted:
        raise ValidationError({"host_app_ids": "Choose at least one host app to release to."})
    # Locked, as taking the mini program offline from a host app locks them: a submission and
    # a take-offline on one host app are ordered (never an open release where it is offline).
    rows = {
        row.host_app_id: row
        for row in MiniProgramHostApp.objects.select_for_update(of=("self",))
        .filter(miniprogram=miniprogram, host_app_id__in=wanted)
        .select_related("host_app__workspace")
        .order_by("host_app_id")
    }
    for pk in wanted:
        row = rows.get(pk)
        if row is None:
            raise ValidationError(
                {
                    "host_app_ids": "One of the chosen host apps is not a host app this mini "
                    "program is released to: add it under “Release to” first."
                }
            )
        if not row.is_active:
            raise ValidationError(
                {
                    "host_app_ids": f"The mini program was taken offline from "
                    f"{row.host_app.name}: release it there again under “Release to” first."
                }
            )
    return [rows[pk] for pk in wanted]


def _clean_notes(notes: str) -> str:
    notes = clean_display_text(notes or "", label="The notes", field="notes", multiline=True)
    if len(notes) > NOTES_MAX:
        raise ValidationError(
            {"notes": f"The notes are {len(notes)} characters; keep them to {NOTES_MAX}."}
        )
    return notes


def _open_review(*, actor: Membership, release: Release, target: ReleaseTarget) -> None:
    """Ask the tenant that owns the host app to review ``release``; link the request."""
    miniprogram, version = target.miniprogram, release.version
    request = approval_request_open(
        actor=actor,
        kind=REVIEW_KIND,
        deciding_workspace=target.host_app.workspace,
        subject_key=f"release:{release.pk}",
        summary=f"Version {version.number} of {miniprogram.name} to "
        f"{target.host_app.name} ({target.get_environment_display().lower()})",
        notes=release.notes,
        payload={
            "release_id": release.pk,
            # Facets the approvals hub filters by (the core knows no releases).
            "environment": target.environment,
            "host_app_id": target.host_app_id,
            "host_app": target.host_app.name,
            "app_id": miniprogram.app_id,
            "version": version.number,
        },
    )
    release.approval = request
    release.save(update_fields=["approval", "updated_at"])


def _quality_is_stale(version: Version) -> bool:
    """Whether the version was withdrawn or rejected somewhere after its quality review last
    started (so the reviewer of a new submission would read an old report)."""
    closed_at = Release.objects.filter(version=version, state__in=RESUBMIT_AFTER).aggregate(
        at=Max("updated_at")
    )["at"]
    if closed_at is None:
        return False
    job = PackageJob.objects.filter(version=version, kind=PackageJob.Kind.QUALITY).first()
    return job is None or job.queued_at < closed_at


@transaction.atomic
def release_submit(
    *,
    actor: Membership,
    version: Version,
    host_app_ids: Iterable[int],
    environment: str,
    notes: str = "",
) -> list[Release]:
    """Submit a ready version for release to some of the mini program's host apps in one
    environment; returns the new releases, by host app. Needs DEVELOP on the mini program.

    A release that needs review (:func:`release_needs_review`) waits for the tenant that owns
    the host app (an approval request is opened and linked; its deciders are emailed); any
    other is approved at once (audited as such). A version withdrawn or rejected since its
    quality review last started has that review restarted (it never blocks the submission).
    Refused (nothing created anywhere): a version that is not ready, a host app the mini
    program is not released to (or was taken offline from), a target that already has a
    release in progress — except the approved release an unfinished grayscale task delivers,
    which a newer version cancels (the hotfix path, ``grayscale_release_yield``). Off shelf is
    allowed: publishing is what is refused.
    """
    miniprogram = version.miniprogram
    require_on(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    if version.status != Version.Status.READY:
        raise ValidationError(
            f"Version {version.number} is not ready: only a version that passed the scan and "
            "the build can be submitted for release."
        )
    if environment not in Env.values:
        raise ValidationError({"environment": "Choose development, test, sandbox or production."})
    notes = _clean_notes(notes)
    restart_quality = _quality_is_stale(version)
    releases: list[Release] = []
    for row in _active_host_targets(miniprogram=miniprogram, host_app_ids=host_app_ids):
        target, _ = ReleaseTarget.objects.get_or_create(
            miniprogram=miniprogram, host_app=row.host_app, environment=environment
        )
        target = locked_target(target.pk)
        busy = ValidationError(
            f"{where(target)} already has a release in progress: withdraw it or publish it "
            "before submitting another version there.",
            code="open",
        )
        # A hotfix of a grayscale task: its approved release makes room for a newer version.
        from releases.grayscale.services import grayscale_release_yield  # the room above

        grayscale_release_yield(actor=actor.user, target=target, version=version)
        if Release.objects.filter(target=target, state__in=Release.OPEN_STATES).exists():
            raise busy
        reviewed = release_needs_review(host_app=target.host_app, environment=environment)
        release = Release(
            target=target,
            version=version,
            state=State.UNDER_REVIEW if reviewed else State.APPROVED,
            notes=notes,
            submitted_by=actor.user,
        )
        try:
            with transaction.atomic():
                release.save()
        except IntegrityError as exc:
            raise busy from exc
        audit_record(
            actor=actor.user,
            verb="release.submit",
            workspace=miniprogram.workspace,
            target=release,
            after={**snapshot(release), "notes": notes},
        )
        if reviewed:
            _open_review(actor=actor, release=release, target=target)
        release_event(release=release, verb="submitted", actor=actor.user)
        if not reviewed:
            audit_record(
                actor=None,
                verb="release.auto_approve",
                workspace=miniprogram.workspace,
                target=release,
                after=snapshot(release),
            )
            release_event(release=release, verb="approved", actor=None)
        releases.append(release)
    if restart_quality:
        version_restart_quality(actor=actor, version=version)
    return releases
