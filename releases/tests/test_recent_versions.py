"""The dashboard's "Recent versions" card at scale (issue 16): both of its queries filter the
versions by their own workspace (the ``(workspace, -created_at)`` index), and a Developer still
sees only the versions of the mini programs assigned to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.models import Version
from releases.selectors import version_recent_for_member
from releases.tests.factories import team, upload_version
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    workspace = WorkspaceFactory(kind="tenant", slug="acme")
    people = team(workspace)
    owner = people["owner"]
    shop = create_miniprogram(owner, name="Shop")
    taxi = create_miniprogram(owner, name="Taxi")
    miniprogram_developer_assign(actor=owner, miniprogram=shop, user_id=people["developer"].user_id)
    versions = [
        upload_version(owner, shop, "1.0.0"),
        upload_version(owner, taxi, "1.0.0"),
        upload_version(owner, shop, "1.1.0"),
        upload_version(owner, taxi, "1.1.0"),
    ]
    old = timezone.now() - timedelta(days=30)
    Version.objects.filter(pk=versions[0].pk).update(created_at=old)
    # Another workspace's versions never count.
    other = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    upload_version(other, create_miniprogram(other, name="Elsewhere"), "1.0.0")
    return people, versions


def test_owner_reads_versions_by_workspace_without_a_subquery(world):
    people, versions = world
    with CaptureQueriesContext(connection) as queries:
        recent, count = version_recent_for_member(member=people["owner"], limit=2)
    assert [v.pk for v in recent] == [versions[3].pk, versions[2].pk]
    assert count == 3  # the 30-day-old one is outside the week
    version_sql = [q["sql"] for q in queries.captured_queries if "releases_version" in q["sql"]]
    assert len(version_sql) == 2
    for sql in version_sql:
        assert '"releases_version"."workspace_id" =' in sql
        assert "miniprograms_miniprogram" not in sql.split("WHERE", 1)[1]  # no IN (SELECT …)


def test_developer_sees_only_assigned_versions(world):
    people, versions = world
    recent, count = version_recent_for_member(member=people["developer"], limit=5)
    assert [v.pk for v in recent] == [versions[2].pk, versions[0].pk]
    assert count == 1
    nothing, none = version_recent_for_member(member=people["unassigned"], limit=5)
    assert (nothing, none) == ([], 0)
