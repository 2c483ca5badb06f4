"""The role matrix of the workspaces pages: who asks, how they are signed in, what a refusal
looks like to each of them."""

from __future__ import annotations

from django.urls import reverse

from workspaces.models import Membership
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

ROLES = ["owner", "admin", "reviewer", "developer"]
EVERYONE = [*ROLES, "outsider", "anonymous"]
MANAGERS = ("owner", "admin")


def login_as(client, workspace, who: str) -> Membership | None:
    """Sign the client in as ``who``: a role in ``workspace``, an outsider, or nobody."""
    if who == "anonymous":
        return None
    if who == "outsider":  # the owner of another tenant
        member = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    else:
        member = MembershipFactory(workspace=workspace, role=who)
    client.force_login(member.user)
    return member


def assert_refused(response, who: str) -> None:
    """Anonymous: sent to sign in; an outsider: 404 (the workspace is not theirs to know of);
    a member without the capability: 403."""
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif who == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
