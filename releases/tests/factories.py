"""Builders shared by the releases tests (and others that need a version or a whole team)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from releases.models import Version
from releases.services.versions import version_upload
from releases.tests.packages import zip_bytes
from workspaces.models import Membership, Workspace
from workspaces.tests.factories import MembershipFactory, UserFactory

GOOD = zip_bytes()

# Who a role matrix asks, and the role each has in the workspace under test ("unassigned" is a
# Developer with no mini program assigned; "outsider" and "anonymous" are not members).
TEAM_ROLES: tuple[tuple[str, str], ...] = (
    ("owner", "owner"),
    ("admin", "admin"),
    ("reviewer", "reviewer"),
    ("developer", "developer"),
    ("unassigned", "developer"),
)


def team(
    workspace: Workspace, *, domain: str = "acme.test", titled: bool = True
) -> dict[str, Membership]:
    """One member per role of ``TEAM_ROLES``: ``owner@acme.test`` named "Owner" ("owner" when
    not ``titled``)."""
    return {
        who: MembershipFactory(
            workspace=workspace,
            role=role,
            user=UserFactory(email=f"{who}@{domain}", name=who.title() if titled else who),
        )
        for who, role in TEAM_ROLES
    }


def upload_version(
    actor: Membership, mp, number: str, data: bytes = GOOD, capture=None, notes: str = ""
) -> Version:
    """A version through the upload service; with ``capture`` (pytest-django's
    ``django_capture_on_commit_callbacks``) its scan, build and review run to the end."""
    package = ContentFile(data, name="p.zip")
    if capture is None:
        return version_upload(
            actor=actor, miniprogram=mp, number=number, package=package, notes=notes
        )
    with capture(execute=True):
        version = version_upload(
            actor=actor, miniprogram=mp, number=number, package=package, notes=notes
        )
    version.refresh_from_db()
    return version
