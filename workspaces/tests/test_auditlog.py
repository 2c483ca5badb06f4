"""The audit log in words: one sentence per event, from the verb registry (workspaces/auditlog)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from miniprograms.tests.factories import create_miniprogram
from releases.tests.factories import upload_version
from workspaces.auditlog import audit_sentence, audit_verb_words, keep_emails_whole
from workspaces.models import AuditEvent, Membership, Workspace
from workspaces.selectors import audit_event_list
from workspaces.services.audit import audit_record
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.services.members import membership_change_role
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role


@pytest.fixture
def workspace():
    return WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)


@pytest.fixture
def owner(workspace):
    user = UserFactory(email="olga.owner@example.com", name="Olga Owner")
    return MembershipFactory(workspace=workspace, role=Role.OWNER, user=user)


@pytest.fixture
def developer(workspace):
    user = UserFactory(email="dev@example.com", name="Dev Developer")
    return MembershipFactory(workspace=workspace, role=Role.DEVELOPER, user=user)


def latest(workspace, verb: str) -> AuditEvent:
    """The newest event of ``verb`` as the page reads it (through the selector)."""
    return audit_event_list(workspace=workspace, verb=verb).first()


def test_upload_reads_as_who_uploaded_which_version_of_which_mini_program(workspace, owner):
    mp = create_miniprogram(owner, name="Acme Mall")

    upload_version(owner, mp, "1.2.0")

    event = latest(workspace, "version.upload")
    assert event.target_repr == "version 1.2.0 of Acme Mall"  # a label, not "<pk> 1.2.0"
    assert audit_sentence(event) == "Olga Owner uploaded version 1.2.0 of Acme Mall"


def test_invitation_sent_names_the_person_and_the_role(workspace, owner):
    invitation_create_batch(
        actor=owner,
        specs=[InviteSpec(name="Rita Reviewer", email="rita@example.com", role=Role.REVIEWER)],
    )

    event = latest(workspace, "invitation.create")
    assert audit_sentence(event) == (
        "Olga Owner invited Rita Reviewer (rita@example.com) to join as Reviewer"
    )


def test_role_change_names_the_member_and_both_roles_as_the_product_calls_them(
    workspace, owner, developer
):
    membership_change_role(actor=owner, membership_id=developer.pk, role=Role.ADMIN)

    event = latest(workspace, "membership.change_role")
    assert audit_sentence(event) == (
        "Olga Owner changed the role of Dev Developer (dev@example.com) from Developer to "
        "Workspace Admin"
    )


def test_mini_program_created_names_it(workspace, owner):
    create_miniprogram(owner, name="Acme Mall")

    event = latest(workspace, "miniprogram.create")
    assert audit_sentence(event) == "Olga Owner created the mini program Acme Mall"


def test_an_unregistered_verb_falls_back_to_actor_verb_words_and_target(workspace, owner):
    audit_record(actor=owner.user, verb="widget.paint_blue", workspace=workspace, target=workspace)

    event = latest(workspace, "widget.paint_blue")
    assert audit_sentence(event) == "Olga Owner paint blue Acme"
    assert audit_verb_words("host_app.reset_secret") == "reset secret"


def test_a_template_naming_data_the_event_lacks_falls_back_instead_of_failing(workspace, owner):
    # "membership.change_role" names both roles; a hand-made row without them still reads.
    AuditEvent.objects.create(
        workspace=workspace,
        actor=owner.user,
        actor_label=owner.user.email,
        verb="developer_workspace.create",
        target_repr="Blue Bottle",
    )

    event = latest(workspace, "developer_workspace.create")
    assert audit_sentence(event) == "Olga Owner create Blue Bottle"


def test_the_system_and_deleted_accounts_still_read(workspace, owner):
    audit_record(actor=None, verb="invitation.expire", workspace=workspace, target=workspace)
    AuditEvent.objects.create(
        workspace=workspace, actor=None, actor_label="gone@example.com", verb="auth.signout"
    )

    assert audit_sentence(latest(workspace, "invitation.expire")) == (
        "The system closed the expired invitation to Acme"
    )
    assert audit_sentence(latest(workspace, "auth.signout")) == "gone@example.com signed out"


def test_page_shows_sentences_with_the_code_as_secondary_text(client, workspace, owner, developer):
    membership_change_role(actor=owner, membership_id=developer.pk, role=Role.ADMIN)
    client.force_login(owner.user)

    body = client.get(reverse("workspaces:audit", args=[workspace.slug])).content.decode()

    assert (
        'Olga Owner changed the role of Dev Developer (<span class="email">dev@example.com</span>)'
        " from Developer to Workspace Admin" in body
    )
    assert '<code class="mono" title="Action code">membership.change_role</code>' in body
    # The email is one unbreakable unit with its full text on hover, never cut mid-word.
    assert (
        '<span class="audit-email" title="olga.owner@example.com">olga.owner@example.com</span>'
        in body
    )


def test_page_filters_by_the_actors_name_too(client, workspace, owner, developer):
    membership_change_role(actor=owner, membership_id=developer.pk, role=Role.ADMIN)
    client.force_login(owner.user)

    url = reverse("workspaces:audit", args=[workspace.slug])
    assert len(client.get(url, {"actor": "olga owner"}).context["events"]) == 1
    assert client.get(url, {"actor": "nobody"}).context["events"] == []


def test_pagination_links_keep_the_filters(client, workspace, owner):
    AuditEvent.objects.bulk_create(
        AuditEvent(workspace=workspace, verb="host_app.update", actor_label="a@example.com")
        for _ in range(51)
    )
    client.force_login(owner.user)

    url = reverse("workspaces:audit", args=[workspace.slug])
    body = client.get(url, {"action": "host_app.", "actor": "a@example.com"}).content.decode()

    assert "action=host_app.&amp;actor=a%40example.com&amp;page=2" in body


def test_api_events_carry_the_same_summary(client, workspace, owner, developer):
    membership_change_role(actor=owner, membership_id=developer.pk, role=Role.ADMIN)
    client.force_login(owner.user)

    response = client.get(f"/api/v1/workspaces/{workspace.slug}/audit-events")

    assert response.status_code == 200, response.content
    summaries = [row["summary"] for row in response.json()["results"]]
    assert (
        "Olga Owner changed the role of Dev Developer (dev@example.com) from Developer to "
        "Workspace Admin" in summaries
    )


def test_emails_are_kept_whole_and_everything_else_escaped():
    html = keep_emails_whole("<b>Rita</b> (rita.r@acme-super-app.example) & bob+x@a.io;")

    assert html == (
        '&lt;b&gt;Rita&lt;/b&gt; (<span class="email">rita.r@acme-super-app.example</span>) '
        '&amp; <span class="email">bob+x@a.io</span>;'
    )
