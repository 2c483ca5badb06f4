"""The audit log page and its CSV export (``/w/<slug>/audit/``)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from workspaces.models import AuditEvent, Membership, Workspace
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role


@pytest.fixture
def workspace():
    return WorkspaceFactory(name="Acme Super App", slug="acme", kind=Workspace.Kind.TENANT)


@pytest.fixture
def owner(workspace):
    return MembershipFactory(
        workspace=workspace,
        role=Role.OWNER,
        user=UserFactory(email="olga@example.com", name="Olga Owner"),
    )


def event(workspace, verb="member.role_change", *, at=None, **fields) -> AuditEvent:
    values = {
        "actor_label": "olga@example.com",
        "target_type": "workspaces.membership",
        "target_id": "7",
        "target_repr": "Dev Dan in Acme",
        "ip": "203.0.113.9",
        "request_id": "req-123",
    }
    values.update(fields)
    row = AuditEvent.objects.create(workspace=workspace, verb=verb, **values)
    if at is not None:
        AuditEvent.objects.filter(pk=row.pk).update(created_at=at)
        row.refresh_from_db()
    return row


def audit_url(workspace, **query) -> str:
    url = reverse("workspaces:audit", args=[workspace.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_url(workspace, **query) -> str:
    url = reverse("workspaces:audit-export", args=[workspace.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --- who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["workspaces:audit", "workspaces:audit-export"])
@pytest.mark.parametrize(
    ("role", "status_code"),
    [
        (Role.OWNER, 200),
        (Role.ADMIN, 200),
        (Role.REVIEWER, 403),
        (Role.DEVELOPER, 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_owners_and_admins_read_the_audit_log(client, workspace, view, role, status_code):
    if role != Role.OWNER:
        MembershipFactory(workspace=workspace, role=Role.OWNER)
    event(workspace, verb="hostapp.create", target_repr="Secret Shop App")
    if role == "outsider":
        other = WorkspaceFactory()
        client.force_login(MembershipFactory(workspace=other, role=Role.OWNER).user)
    elif role != "anonymous":
        client.force_login(MembershipFactory(workspace=workspace, role=role).user)

    response = client.get(reverse(view, args=[workspace.slug]))

    assert response.status_code == status_code
    if status_code == 302:
        assert response.url.startswith(reverse("accounts:login"))
    if status_code == 200:
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert "Secret Shop App" in body
    else:
        assert b"Secret Shop App" not in getattr(response, "content", b"")
    if status_code == 403:
        assert "Owner or Workspace Admin" in response.content.decode()


def test_sidebar_links_the_audit_log_only_for_roles_that_may_read_it(client, workspace, owner):
    developer = MembershipFactory(workspace=workspace, role=Role.DEVELOPER)
    dashboard = reverse("console:dashboard", args=[workspace.slug])
    link = f'href="{audit_url(workspace)}"'

    client.force_login(owner.user)
    assert link in client.get(dashboard).content.decode()
    client.force_login(developer.user)
    assert link not in client.get(dashboard).content.decode()


# --- the table --------------------------------------------------------------------------------


def test_lists_only_this_workspace_newest_first(client, workspace, owner):
    now = timezone.now()
    # Names no other text of the page contains ("placeholder" contains "older").
    event(
        workspace, verb="invitation.create", target_repr="older event", at=now - timedelta(hours=2)
    )
    event(
        workspace,
        verb="invitation.withdraw",
        target_repr="newer event",
        at=now - timedelta(hours=1),
    )
    event(WorkspaceFactory(), verb="hostapp.create", target_repr="someone else's app")
    client.force_login(owner.user)

    response = client.get(audit_url(workspace))

    body = response.content.decode()
    assert [e.target_repr for e in response.context["events"]] == ["newer event", "older event"]
    assert body.index("newer event") < body.index("older event")
    assert "someone else" not in body


def test_row_shows_time_in_the_viewers_zone_with_utc_on_hover(client, workspace, owner):
    owner.user.timezone = "Asia/Shanghai"
    owner.user.save(update_fields=["timezone"])
    event(workspace, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    client.force_login(owner.user)

    body = client.get(audit_url(workspace)).content.decode()

    assert 'title="2026-03-01 23:30:00 UTC"' in body
    assert '<span class="stack">2026-03-02</span><span class="stack muted">07:30:00</span>' in body
    assert "Asia/Shanghai" in body


def test_row_shows_actor_action_target_ip_and_request_id(client, workspace, owner):
    event(
        workspace,
        verb="member.role_change",
        actor_label="olga@example.com",
        target_repr="Dev Dan in Acme",
        ip="198.51.100.4",
        request_id="c0ffee-42",
    )
    client.force_login(owner.user)

    body = client.get(audit_url(workspace)).content.decode()

    assert '<span class="audit-email" title="olga@example.com">olga@example.com</span>' in body
    assert '<code class="mono" title="Action code">member.role_change</code>' in body
    assert "role change Dev Dan in Acme" in body  # an unregistered verb still reads
    assert "198.51.100.4" in body
    assert '<code class="stack small" title="Request id c0ffee-42">c0ffee-42</code>' in body


def test_diff_shows_only_changed_keys_with_old_and_new_values(client, workspace, owner):
    event(
        workspace,
        before={"role": "developer", "status": "active", "gone": "x"},
        after={"role": "admin", "status": "active", "added": 3},
    )
    client.force_login(owner.user)

    response = client.get(audit_url(workspace))

    assert response.context["events"][0].diff == [
        {"key": "added", "has_old": False, "old": "null", "has_new": True, "new": "3"},
        {"key": "gone", "has_old": True, "old": "x", "has_new": False, "new": "null"},
        {"key": "role", "has_old": True, "old": "developer", "has_new": True, "new": "admin"},
    ]
    body = response.content.decode()
    assert "<del>developer</del> → <ins>admin</ins>" in body
    assert '<span class="mono">status</span>' not in body  # unchanged keys are left out


def test_paginates_fifty_per_page_with_the_total(client, workspace, owner):
    start = timezone.now() - timedelta(days=1)
    for i in range(51):
        event(workspace, target_repr=f"target-{i:02d}", at=start + timedelta(minutes=i))
    client.force_login(owner.user)

    first = client.get(audit_url(workspace))
    second = client.get(audit_url(workspace, page=2))

    assert len(first.context["events"]) == 50
    assert first.context["events"][0].target_repr == "target-50"
    assert "1–50 of 51" in first.content.decode()
    assert [e.target_repr for e in second.context["events"]] == ["target-00"]


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
def mixed_events(workspace):
    day = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
    event(workspace, "invitation.create", actor_label="ada@example.com", target_repr="Bob", at=day)
    event(
        workspace,
        "invitation.withdraw",
        actor_label="olga@example.com",
        target_repr="Carol",
        at=day + timedelta(days=1),
    )
    event(
        workspace,
        "hostapp.create",
        actor_label="ada@example.com",
        target_repr="Shop App",
        at=day + timedelta(days=3),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Shop App", "Carol", "Bob"]),
        ({"actor": "ADA@"}, ["Shop App", "Bob"]),
        ({"action": "invitation.create"}, ["Bob"]),
        ({"action": "invitation."}, ["Carol", "Bob"]),
        ({"target": "shop"}, ["Shop App"]),
        ({"since": "2026-04-11"}, ["Shop App", "Carol"]),
        ({"until": "2026-04-11"}, ["Carol", "Bob"]),
        ({"since": "2026-04-11", "until": "2026-04-11"}, ["Carol"]),
        ({"actor": "ada", "action": "hostapp."}, ["Shop App"]),
    ],
)
def test_filters_narrow_the_list(client, workspace, owner, mixed_events, query, expected):
    client.force_login(owner.user)
    response = client.get(audit_url(workspace, **query))
    assert [e.target_repr for e in response.context["events"]] == expected


def test_date_filter_reads_days_in_the_viewers_zone(client, workspace, owner):
    # 2026-04-10 20:00 UTC is already the 11th in Shanghai (UTC+8).
    event(workspace, target_repr="late", at=datetime(2026, 4, 10, 20, 0, tzinfo=UTC))
    owner.user.timezone = "Asia/Shanghai"
    owner.user.save(update_fields=["timezone"])
    client.force_login(owner.user)

    on_11th = client.get(audit_url(workspace, since="2026-04-11", until="2026-04-11"))
    on_10th = client.get(audit_url(workspace, since="2026-04-10", until="2026-04-10"))

    assert [e.target_repr for e in on_11th.context["events"]] == ["late"]
    assert on_10th.context["events"] == []


def test_action_select_offers_the_known_verbs(client, workspace, owner, mixed_events):
    """The registry's verbs (issue 16: not a DISTINCT over the workspace's events), each entity
    as a prefix too; a verb nobody registered is not offered, wherever it was recorded."""
    event(WorkspaceFactory(), "secret.other_tenant_verb")
    client.force_login(owner.user)

    body = client.get(audit_url(workspace)).content.decode()

    assert '<option value="invitation.create">invitation.create</option>' in body
    assert '<option value="invitation.">' in body
    assert '<option value="host_app.create">' in body  # known, though never recorded here
    assert '<option value="hostapp.create">' not in body  # recorded, but nobody registered it
    assert "secret.other_tenant_verb" not in body


def test_inverted_date_range_is_reported_and_filters_kept(client, workspace, owner, mixed_events):
    client.force_login(owner.user)

    response = client.get(audit_url(workspace, since="2026-04-12", until="2026-04-10"))

    assert "The end date is before the start date." in response.content.decode()
    assert [e.target_repr for e in response.context["events"]] == ["Shop App"]
    assert 'value="2026-04-12"' in response.content.decode()  # input kept


def test_empty_filtered_result_offers_to_clear(client, workspace, owner, mixed_events):
    client.force_login(owner.user)
    body = client.get(audit_url(workspace, actor="nobody")).content.decode()
    assert "No events match these filters" in body


# --- CSV export -------------------------------------------------------------------------------


def test_export_streams_csv_with_every_column(client, workspace, owner):
    event(
        workspace,
        "member.role_change",
        at=datetime(2026, 4, 10, 12, 0, 5, tzinfo=UTC),
        before={"role": "developer"},
        after={"role": "admin"},
    )
    client.force_login(owner.user)

    response = client.get(export_url(workspace))

    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    today = timezone.now().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="audit-acme-{today}.csv"'
    assert read_csv(response) == [
        {
            "time": "2026-04-10T12:00:05+00:00",
            "actor": "olga@example.com",
            "verb": "member.role_change",
            "summary": "olga@example.com role change Dev Dan in Acme",
            "target_type": "workspaces.membership",
            "target_id": "7",
            "target": "Dev Dan in Acme",
            "before": json.dumps({"role": "developer"}),
            "after": json.dumps({"role": "admin"}),
            "ip": "203.0.113.9",
            "request_id": "req-123",
        }
    ]


def test_export_applies_the_same_filters(client, workspace, owner, mixed_events):
    client.force_login(owner.user)
    rows = read_csv(client.get(export_url(workspace, actor="ada", action="invitation.")))
    assert [row["target"] for row in rows] == ["Bob"]


def test_export_neutralises_spreadsheet_formulas(client, workspace, owner):
    event(workspace, target_repr='=HYPERLINK("http://evil.example","x")')
    client.force_login(owner.user)
    rows = read_csv(client.get(export_url(workspace)))
    assert rows[0]["target"] == '\'=HYPERLINK("http://evil.example","x")'


def test_export_of_an_empty_log_is_just_the_header(client, workspace, owner):
    client.force_login(owner.user)
    body = b"".join(client.get(export_url(workspace)).streaming_content).decode()
    assert body.strip() == (
        "time,actor,verb,summary,target_type,target_id,target,before,after,ip,request_id"
    )


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 200])
def test_audit_page_query_count_does_not_grow_with_rows(
    client, workspace, owner, rows, django_assert_max_num_queries
):
    AuditEvent.objects.bulk_create(
        AuditEvent(
            workspace=workspace,
            verb=f"thing.verb{i % 5}",
            actor_label="olga@example.com",
            target_repr=f"t{i}",
            before={"a": i},
            after={"a": i + 1},
        )
        for i in range(rows)
    )
    client.force_login(owner.user)
    with django_assert_max_num_queries(8):
        response = client.get(audit_url(workspace))
    assert len(response.context["events"]) == min(rows, 50)


@pytest.mark.parametrize("rows", [1, 200])
def test_export_query_count_does_not_grow_with_rows(
    client, workspace, owner, rows, django_assert_max_num_queries
):
    AuditEvent.objects.bulk_create(
        AuditEvent(workspace=workspace, verb="thing.happen", target_repr=f"t{i}")
        for i in range(rows)
    )
    client.force_login(owner.user)
    with django_assert_max_num_queries(5):
        response = client.get(export_url(workspace))
        lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == rows + 1
