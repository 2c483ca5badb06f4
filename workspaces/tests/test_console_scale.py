"""Workspace pages at a real super app's scale (issue 16): the audit log's action filter from
the known verbs, one line at INFO for an expected refusal, and the member table's rows sharing
one form."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workspaces.auditlog import audit_known_verbs
from workspaces.models import AuditEvent, Membership
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workspace():
    return WorkspaceFactory(kind="tenant", name="Acme", slug="acme")


@pytest.fixture
def owner(workspace):
    return MembershipFactory(workspace=workspace, role="owner", user=UserFactory(name="Olga"))


@pytest.fixture
def developer(workspace):
    return MembershipFactory(workspace=workspace, role="developer", user=UserFactory(name="Dev"))


# --- audit log ---------------------------------------------------------------------------------


def test_audit_page_reads_no_distinct_verbs(client, workspace, owner):
    AuditEvent.objects.bulk_create(
        AuditEvent(workspace=workspace, verb=f"thing.verb{i % 7}", target_repr=f"t{i}")
        for i in range(30)
    )
    client.force_login(owner.user)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("workspaces:audit", args=[workspace.slug])).content.decode()
    audit_sql = [q["sql"] for q in queries.captured_queries if "workspaces_auditevent" in q["sql"]]
    assert len(audit_sql) == 2  # the count and the page; no DISTINCT over the events
    assert not any("DISTINCT" in sql.upper() for sql in audit_sql)
    for verb in ("membership.add", "invitation.create", "miniprogram.create"):
        assert f'<option value="{verb}">{verb}</option>' in body
    assert "thing.verb3</option>" not in body  # recorded, never registered: not offered


def test_an_unregistered_verb_can_still_be_filtered_by_hand(client, workspace, owner):
    AuditEvent.objects.create(workspace=workspace, verb="thing.happened", target_repr="kept")
    AuditEvent.objects.create(workspace=workspace, verb="other.happened", target_repr="left")
    client.force_login(owner.user)
    url = reverse("workspaces:audit", args=[workspace.slug])
    response = client.get(url, {"action": "thing."})
    assert [e.target_repr for e in response.context["events"]] == ["kept"]
    assert '<option value="thing." selected>thing.</option>' in response.content.decode()


def test_known_verbs_are_sorted_and_include_every_app(client):
    verbs = audit_known_verbs()
    assert verbs == sorted(set(verbs))
    assert {"membership.add", "miniprogram.create", "version.upload"} <= set(verbs)


# --- refusals in the log -------------------------------------------------------------------


def test_a_refused_page_is_one_line_at_info(client, workspace, developer, caplog):
    caplog.set_level(logging.INFO, logger="django.request")
    client.force_login(developer.user)

    response = client.get(reverse("workspaces:audit", args=[workspace.slug]))

    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.INFO
    assert record.exc_info is None and not record.exc_text
    line = record.getMessage()
    assert "\n" not in line
    assert line.startswith("Forbidden (Permission denied): /w/acme/audit/")
    assert "workspaces.view_auditevent" in line  # what was needed
    assert "Traceback" not in caplog.text


def test_a_refusal_is_not_logged_when_the_level_is_warning(client, workspace, developer, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client.force_login(developer.user)
    assert client.get(reverse("workspaces:audit", args=[workspace.slug])).status_code == 403
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_other_request_errors_keep_their_warning(client, workspace, owner, caplog):
    caplog.set_level(logging.INFO, logger="django.request")
    client.force_login(owner.user)
    assert client.get("/w/acme/no-such-page/").status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelno for r in records] == [logging.WARNING]


# --- members: one shared form --------------------------------------------------------------


@pytest.fixture
def team(workspace, owner, developer):
    MembershipFactory(workspace=workspace, role="admin", user=UserFactory(name="Adam"))
    MembershipFactory(
        workspace=workspace,
        role="reviewer",
        status=Membership.Status.BLOCKED,
        user=UserFactory(name="Rita"),
    )
    return workspace


def _members(client, team) -> str:
    return client.get(reverse("workspaces:members", args=[team.slug])).content.decode()


def test_member_rows_hold_no_form(client, team, owner):
    client.force_login(owner.user)
    body = _members(client, team)
    tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<form" not in tbody
    assert body.count('<form id="member-actions"') == 1
    assert body.count('name="csrfmiddlewaretoken"') <= 3  # shared form, transfer, sign out
    adam = Membership.objects.get(user__name="Adam")
    assert f'formaction="/w/acme/members/{adam.pk}/remove/"' in tbody
    assert f'formaction="/w/acme/members/{adam.pk}/block/" name="blocked" value="1"' in tbody
    assert f'name="role-{adam.pk}" form="member-actions"' in tbody
    rita = Membership.objects.get(user__name="Rita")
    assert f'formaction="/w/acme/members/{rita.pk}/block/" name="blocked" value="0"' in tbody
    # The sentences the dialog asks, once, on the shared form; "[subject]" is the row's person.
    assert 'data-confirm-remove-title="Remove [subject]?"' in body
    remove = 'data-confirm-use="remove" data-confirm-subject="Adam" data-confirm-detail="{}"'
    assert remove.format(adam.user.email) in tbody
    assert "data-confirm-leave" not in body  # the owner cannot leave: no sentence for it


def test_a_developer_sees_only_the_leave_sentence(client, team, developer):
    client.force_login(developer.user)
    body = _members(client, team)
    assert "data-confirm-leave=" in body
    assert "data-confirm-remove=" not in body and "data-confirm-block=" not in body
    assert "formaction=" in body and f"/members/{developer.pk}/remove/" in body


def test_role_change_through_the_shared_form(client, team, owner):
    """What the browser sends when a row's Save is pressed: every field of the shared form
    (each row's role-<id> select) to that row's role URL; only that row changes."""
    adam = Membership.objects.get(user__name="Adam")
    dev = Membership.objects.get(user__name="Dev")
    client.force_login(owner.user)
    url = reverse("workspaces:member-role", args=[team.slug, adam.pk])
    data = {f"role-{adam.pk}": "reviewer", f"role-{dev.pk}": "admin"}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    adam.refresh_from_db()
    dev.refresh_from_db()
    assert (adam.role, dev.role) == ("reviewer", "developer")
    assert "Adam is now Reviewer" in response.content.decode()


def test_block_and_remove_through_the_shared_form(client, team, owner):
    adam = Membership.objects.get(user__name="Adam")
    client.force_login(owner.user)
    shared = {f"role-{adam.pk}": "admin"}  # the other fields the shared form carries
    client.post(
        reverse("workspaces:member-block", args=[team.slug, adam.pk]), {**shared, "blocked": "1"}
    )
    adam.refresh_from_db()
    assert adam.status == Membership.Status.BLOCKED
    client.post(reverse("workspaces:member-remove", args=[team.slug, adam.pk]), shared)
    assert not Membership.objects.filter(pk=adam.pk).exists()


def test_members_page_queries_do_not_grow_with_rows(
    client, workspace, owner, django_assert_max_num_queries
):
    for n in range(25):
        MembershipFactory(workspace=workspace, role=("admin", "reviewer", "developer")[n % 3])
    client.force_login(owner.user)
    with django_assert_max_num_queries(14):
        body = _members(client, workspace)
    assert len(re.findall(r'data-confirm-use="remove"', body)) == 25


def test_member_rows_escape_what_they_print(client, workspace, owner):
    """Each row is one ``format_html`` (no template per row): names and emails escaped."""
    MembershipFactory(
        workspace=workspace, role="developer", user=UserFactory(name='<i>"Eve"</i> & co')
    )
    client.force_login(owner.user)
    body = _members(client, workspace)
    assert "<strong>&lt;i&gt;&quot;Eve&quot;&lt;/i&gt; &amp; co</strong>" in body
    assert 'data-confirm-subject="&lt;i&gt;&quot;Eve&quot;&lt;/i&gt; &amp; co"' in body
    assert "<i>" not in body
