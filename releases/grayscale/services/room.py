"""What the release room's services call: a publish ends lower tasks, taking a mini program
offline from a host app ends its tasks there, and a hotfix submission makes room."""

from __future__ import annotations

from miniprograms.models import MiniProgramHostApp
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.services.state import grayscale_transition
from releases.models import Release, ReleaseTarget, Version
from releases.release.review import offline_reason
from releases.release.state import release_transition, where
from workspaces.models import Membership, User

State = GrayscaleTask.State
Reason = GrayscaleTask.EndReason


def grayscale_end_published(*, actor: User | None, target: ReleaseTarget, version: Version) -> int:
    """End every unfinished task of ``version`` or a lower one on ``target`` (``version`` was
    just published there: a full release supersedes them). Called inside ``release_publish``'s
    transaction, which holds the target locked; audited per task. Returns how many ended."""
    ended = 0
    tasks = GrayscaleTask.objects.filter(target=target, state__in=GrayscaleTask.UNFINISHED)
    for pk, major, minor, patch in tasks.order_by("pk").values_list(
        "pk", "version__major", "version__minor", "version__patch"
    ):
        if (major, minor, patch) <= version.semver:
            _, changed = grayscale_transition(
                actor=actor,
                task_id=pk,
                to=State.ENDED,
                end_reason=Reason.PUBLISHED,
                note=f"Version {version.number} was published on {where(target)}.",
            )
            ended += changed
    return ended


def grayscale_end_offline(
    *, actor: Membership, target: MiniProgramHostApp, reason: str = ""
) -> list[GrayscaleTask]:
    """End every unfinished task where the mini program is being taken offline from a host app
    (every environment). Registered with ``miniprograms.extensions.register_take_offline``:
    called inside ``miniprogram_take_offline``'s transaction (MANAGE checked there)."""
    why = offline_reason(host_app_name=target.host_app.name, reason=reason)
    tasks = GrayscaleTask.objects.filter(
        target__miniprogram_id=target.miniprogram_id,
        target__host_app_id=target.host_app_id,
        state__in=GrayscaleTask.UNFINISHED,
    )
    ended: list[GrayscaleTask] = []
    for pk in tasks.order_by("pk").values_list("pk", flat=True):
        task, changed = grayscale_transition(
            actor=actor.user, task_id=pk, to=State.ENDED, end_reason=Reason.OFFLINE, note=why
        )
        if changed:
            ended.append(task)
    return ended


def grayscale_release_yield(*, actor: User | None, target: ReleaseTarget, version: Version) -> bool:
    """Make room for a hotfix submission: when the release in progress on ``target`` is an
    approved one whose version an unfinished task delivers, and ``version`` is newer, that
    release is cancelled (its task keeps delivering until the new version replaces it there, or
    it is ended). Called by ``release_submit`` with the target locked; returns whether it
    cancelled one."""
    release = (
        Release.objects.select_related("version")
        .filter(target=target, state=Release.State.APPROVED)
        .first()
    )
    if release is None or version.semver <= release.version.semver:
        return False
    task = (
        GrayscaleTask.objects.filter(
            target=target, version=release.version, state__in=GrayscaleTask.UNFINISHED
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if task is None:
        return False
    release_transition(
        actor=actor,
        release_id=release.pk,
        to=Release.State.CANCELLED,
        note=f"Version {version.number} was submitted as a hotfix of grayscale task “{task.name}”.",
    )
    return True
