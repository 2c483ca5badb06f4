"""What moves the runtime revision: every write that changes a runtime answer, in the writing
transaction (connected once from ``ReleasesConfig.ready()``).

The rows the snapshot reads live in three apps; the lower two (workspaces, miniprograms) must
not import releases, so the revision follows their rows through Django's model signals here,
plus ``workspaces.extensions.runtime_changed`` for the writes that bypass signals (bulk
inserts). A save that touches only fields the runtime never reads (a draft profile edit)
leaves the revision alone. Grayscale services (``releases.grayscale``) bump explicitly.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from miniprograms.models import MiniProgram, MiniProgramHostApp, MiniProgramTester
from releases.models import Artifact, Release, ReleaseTarget, TrialVersion
from releases.runtime.revision import runtime_revision_bump
from workspaces.extensions import register_runtime_changed
from workspaces.models import HostApp

# Fields of these models the snapshot reads; a save limited to other fields changes nothing.
READ_FIELDS: dict[type[Model], frozenset[str]] = {
    HostApp: frozenset({"app_key", "secret_hash", "workspace", "sdk_key_frozen_at"}),
    MiniProgram: frozenset({"shelf_status", "released_profile", "default_language", "app_id"}),
}
ALWAYS: tuple[type[Model], ...] = (
    MiniProgramHostApp,
    MiniProgramTester,
    TrialVersion,
    ReleaseTarget,
    Release,
    Artifact,
)


def _saved(sender: type, *, created: bool = False, update_fields: Any = None, **_: Any) -> None:
    fields = READ_FIELDS.get(sender)
    if (
        fields is not None
        and not created
        and update_fields is not None
        and not fields.intersection(update_fields)
    ):
        return
    runtime_revision_bump()


def _deleted(sender: type, **_: Any) -> None:
    runtime_revision_bump()


def connect() -> None:
    for model in (*READ_FIELDS, *ALWAYS):
        uid = f"releases.runtime.{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
    register_runtime_changed("releases.runtime", runtime_revision_bump)
