"""``/miniprograms/``: the mini programs of all the user's teams (``miniprograms-all:list``).

Who sees what across workspaces (an owned workspace in full, only the assigned programs where
the user is a Developer, nothing through a blocked membership or of other people's
workspaces, also when asked for by ``?team=``), the filters, the empty states, the switcher's
link and a query count that does not grow with the rows.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from miniprograms.models import (
    Industry,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramUserObjectPermission,
)
from miniprograms.selectors import miniprogram_list_for_user, miniprogram_visible
from miniprograms.services.lifecycle import miniprogram_set_shelf
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create
from workspaces.services.members import membership_set_blocked
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

URL = "/miniprograms/"

JA = {
    "language": "ja",
    "name": "豆の焙煎所",
    "tagline": "焙煎したての豆をお届けします",
    "description": "焙煎したてのコーヒー豆を注文して、ご自宅に届けてもらえるミニプログラムです。",
}


def set_app_id(mp: MiniProgram, app_id: str) -> MiniProgram:
    """A known App ID (allocated ones are random), so that prefixes can be searched."""
    MiniProgram.objects.filter(pk=mp.pk).update(app_id=app_id)
    mp.refresh_from_db()
    return mp


# --- the world: Dana owns Acme, develops for Bean, is blocked at Closed; Foreign is not hers --


@pytest.fixture
def dana():
    return UserFactory(email="dana@example.com", name="Dana Dev")


@pytest.fixture
def acme(dana):
    """A tenant Dana owns: she sees all of its mini programs."""
    member = MembershipFactory(
        workspace=WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme"),
        user=dana,
        role="owner",
    )
    host_app, _secret = host_app_create(actor=member, name="Acme Wallet", platforms={"ios": "a"})
    create_miniprogram(member, name="Acme Coffee", host_app_ids=[host_app.pk])
    create_miniprogram(member, name="Acme Tea")
    return member


@pytest.fixture
def bean(dana):
    """A merchant's developer workspace where Dana is a Developer assigned to one of two."""
    owner = MembershipFactory(
        workspace=WorkspaceFactory(kind="developer", name="Bean Merchant", slug="bean"),
        role="owner",
    )
    member = MembershipFactory(workspace=owner.workspace, user=dana, role="developer")
    assigned = create_miniprogram(owner, name="Bean Roastery", languages=[JA])
    miniprogram_developer_assign(actor=owner, miniprogram=assigned, user_id=dana.pk)
    create_miniprogram(owner, name="Bean Bakery")
    return member


@pytest.fixture
def closed(dana):
    """A tenant where Dana is a Developer assigned to its mini program, then blocked: the grant
    is kept (unblocking restores it) but nothing of the workspace shows."""
    owner = MembershipFactory(
        workspace=WorkspaceFactory(kind="tenant", name="Closed Corp", slug="closed"),
        role="owner",
    )
    member = MembershipFactory(workspace=owner.workspace, user=dana, role="developer")
    shop = create_miniprogram(owner, name="Closed Shop")
    miniprogram_developer_assign(actor=owner, miniprogram=shop, user_id=dana.pk)
    membership_set_blocked(actor=owner, membership_id=member.pk, blocked=True)
    assert MiniProgramUserObjectPermission.objects.filter(user=dana, content_object=shop).exists()
    return member


@pytest.fixture
def foreign():
    """Somebody else's workspace: Dana is no member of it."""
    owner = MembershipFactory(
        workspace=WorkspaceFactory(kind="tenant", name="Foreign Secret Co", slug="foreign"),
        role="owner",
    )
    return create_miniprogram(owner, name="Foreign Secret Shop")


@pytest.fixture
def world(acme, bean, closed, foreign):
    return None


def names(response) -> list[str]:
    return [mp.name for mp in response.context["miniprograms"]]


# --- who sees what -------------------------------------------------------------------------


def test_sees_all_of_the_owned_team_and_only_the_assigned_one_of_the_other(client, dana, world):
    client.force_login(dana)
    response = client.get(URL)
    assert response.status_code == 200
    # newest first, across teams
    assert names(response) == ["Bean Roastery", "Acme Tea", "Acme Coffee"]
    body = response.content.decode()
    assert "Bean Bakery" not in body


def test_blocked_membership_and_other_peoples_workspaces_never_show(client, dana, world):
    client.force_login(dana)
    response = client.get(URL)
    body = response.content.decode()
    for hidden in ("Closed Shop", "Closed Corp", "Foreign Secret Shop", "Foreign Secret Co"):
        assert hidden not in body
    # the Team filter offers exactly the user's active teams
    offered = [value for value, _label in response.context["filters"].fields["team"].choices]
    assert offered == ["", "acme", "bean"]


@pytest.mark.parametrize("team", ["foreign", "closed", "no-such-team"])
def test_a_team_that_is_not_the_users_gives_an_empty_list_with_a_message(client, dana, world, team):
    client.force_login(dana)
    response = client.get(URL, {"team": team})
    assert response.status_code == 200
    assert response.context["miniprograms"] == []
    assert response.context["page_obj"].paginator.count == 0
    body = response.content.decode()
    assert "That team is not one of yours" in body
    assert "Choose one of your teams." in body
    for hidden in ("Closed Shop", "Foreign Secret Shop", "Foreign Secret Co", "Acme Coffee"):
        assert hidden not in body
    assert f'value="{team}"' not in body  # the asked-for slug is not echoed back


def test_selector_never_returns_a_foreign_or_blocked_team_asked_for_by_slug(dana, world):
    for slug in ("foreign", "closed", "missing"):
        assert list(miniprogram_list_for_user(user=dana, workspace_slug=slug)) == []


@pytest.mark.parametrize("role", ["owner", "admin", "reviewer", "developer"])
def test_selector_matches_miniprogram_visible_of_each_membership(role):
    """One queryset across teams gives exactly what each workspace's own list gives."""
    user = UserFactory()
    tenant = WorkspaceFactory(kind="tenant")
    owner = (
        MembershipFactory(workspace=tenant, user=user, role="owner")
        if role == "owner"
        else MembershipFactory(workspace=tenant, role="owner")
    )
    member = owner if role == "owner" else MembershipFactory(workspace=tenant, user=user, role=role)
    first = create_miniprogram(owner, name="First Shop")
    create_miniprogram(owner, name="Second Shop")
    if role == "developer":
        miniprogram_developer_assign(actor=owner, miniprogram=first, user_id=user.pk)
    mine = MembershipFactory(workspace=WorkspaceFactory(kind="developer"), user=user, role="owner")
    create_miniprogram(mine, name="Own Shop")

    expected = set(miniprogram_visible(member=member)) | set(miniprogram_visible(member=mine))
    assert set(miniprogram_list_for_user(user=user)) == expected
    assert len(expected) == (2 if role == "developer" else 3)


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- filters -------------------------------------------------------------------------------


def test_team_filter_keeps_one_team(client, dana, world):
    client.force_login(dana)
    assert names(client.get(URL, {"team": "bean"})) == ["Bean Roastery"]
    assert names(client.get(URL, {"team": "acme"})) == ["Acme Tea", "Acme Coffee"]


def test_search_by_app_id_prefix_and_by_a_name_in_an_extra_language(client, dana, acme, bean):
    coffee = MiniProgram.objects.get(name="Acme Coffee")
    tea = MiniProgram.objects.get(name="Acme Tea")
    roastery = MiniProgram.objects.get(name="Bean Roastery")
    set_app_id(coffee, "2025111100000001")
    set_app_id(tea, "2025222200000002")
    set_app_id(roastery, "2025111100000003")
    client.force_login(dana)
    assert names(client.get(URL, {"q": "20251111"})) == ["Bean Roastery", "Acme Coffee"]
    assert names(client.get(URL, {"q": "2025222200000002"})) == ["Acme Tea"]
    assert names(client.get(URL, {"q": "焙煎"})) == ["Bean Roastery"]
    assert names(client.get(URL, {"q": "tea"})) == ["Acme Tea"]
    # the filters combine: Bean's program by its prefix, but the Acme team chosen
    assert names(client.get(URL, {"q": "20251111", "team": "acme"})) == ["Acme Coffee"]


def test_search_finds_nothing_of_unassigned_or_foreign_programs(client, dana, world):
    client.force_login(dana)
    for query in (
        "Bakery",
        "Foreign",
        "Closed",
        MiniProgram.objects.get(name="Bean Bakery").app_id,
    ):
        response = client.get(URL, {"q": query})
        assert names(response) == []
        assert "No mini programs match these filters" in response.content.decode()


def test_status_filter(client, dana, acme, bean):
    tea = MiniProgram.objects.get(name="Acme Tea")
    miniprogram_set_shelf(actor=acme, miniprogram=tea, on_shelf=False, reason="Menu update")
    client.force_login(dana)
    assert names(client.get(URL, {"status": "off_shelf"})) == ["Acme Tea"]
    assert names(client.get(URL, {"status": "not_released"})) == ["Bean Roastery", "Acme Coffee"]
    assert names(client.get(URL, {"status": "on_shelf"})) == []
    MiniProgram.objects.filter(name="Acme Coffee").update(released_at=timezone.now())
    assert names(client.get(URL, {"status": "on_shelf"})) == ["Acme Coffee"]
    # an unknown status is no filter
    assert len(names(client.get(URL, {"status": "bogus"}))) == 3


# --- the page ------------------------------------------------------------------------------


def test_rows_show_the_team_and_link_into_its_workspace(client, dana, world):
    client.force_login(dana)
    body = client.get(URL).content.decode()
    roastery = MiniProgram.objects.get(name="Bean Roastery")
    coffee = MiniProgram.objects.get(name="Acme Coffee")
    assert reverse("miniprograms:detail", args=["bean", roastery.app_id]) in body
    assert reverse("miniprograms:detail", args=["acme", coffee.app_id]) in body
    assert reverse("miniprograms:logo", args=["bean", roastery.app_id]) in body
    # the Team column: the workspace's name, its list and its kind
    assert f'<a href="{reverse("miniprograms:list", args=["acme"])}">Acme Super App</a>' in body
    assert f'<a href="{reverse("miniprograms:list", args=["bean"])}">Bean Merchant</a>' in body
    assert re.search(
        r'Bean Merchant</a>\s*<span class="badge badge-neutral">Developer</span>', body
    )
    assert re.search(r'Acme Super App</a>\s*<span class="badge badge-accent">Tenant</span>', body)
    assert "Acme Wallet" in body  # the host apps it is released to
    assert roastery.app_id in body
    assert "1–3 of 3" in body


def test_empty_list_points_to_the_create_page_of_each_team_one_may_create_in(client):
    user = UserFactory()
    tenant = MembershipFactory(
        workspace=WorkspaceFactory(name="Solo Tenant", slug="solo"), user=user, role="owner"
    )
    MembershipFactory(
        workspace=WorkspaceFactory(name="Somebody's Shop", slug="other"),
        user=user,
        role="developer",
    )
    client.force_login(user)
    body = client.get(URL).content.decode()
    assert "No mini programs yet — create your first one." in body
    assert reverse("miniprograms:create", args=[tenant.workspace.slug]) in body
    assert "Create in Solo Tenant" in body
    assert reverse("miniprograms:create", args=["other"]) not in body  # a Developer there
    # the chosen team decides: a Developer's team offers no create link
    body = client.get(URL, {"team": "other"}).content.decode()
    assert reverse("miniprograms:create", args=["solo"]) not in body


def test_empty_list_for_a_developer_explains_assignments(client):
    member = MembershipFactory(role="developer")
    client.force_login(member.user)
    body = client.get(URL).content.decode()
    assert "No mini programs to show yet" in body
    assert "/new/" not in body


def test_user_without_teams_is_pointed_to_create_a_workspace(client):
    client.force_login(UserFactory())
    response = client.get(URL)
    body = response.content.decode()
    assert "You are not a member of any team yet" in body
    assert reverse("onboarding:workspace-create") in body
    assert 'name="team"' not in body  # no filters without teams


# --- the switcher's link --------------------------------------------------------------------


def test_switcher_links_to_all_mini_programs(client, dana, acme):
    client.force_login(dana)
    body = client.get(reverse("console:dashboard", args=["acme"])).content.decode()
    assert f'href="{URL}"' in body and "All mini programs" in body
    # the page itself marks the entry as the current one
    body = client.get(URL).content.decode()
    assert f'href="{URL}" aria-current="true"' in body


def test_switcher_has_no_link_without_teams(client):
    client.force_login(UserFactory())
    body = client.get(reverse("accounts:tokens")).content.decode()
    assert "All mini programs" not in body


# --- queries ------------------------------------------------------------------------------


def _bulk(workspace, count, *, start, host_app=None):
    """``count`` mini programs of ``workspace`` written in bulk (fast), with known App IDs."""
    industry = Industry.objects.get(code="coffee-tea")
    kind = "tenant" if workspace.is_tenant else "merchant"
    rows = MiniProgram.objects.bulk_create(
        MiniProgram(
            workspace=workspace,
            app_id=f"2026{start + n:012d}",
            kind=kind,
            name=f"Program {start + n:04d}",
            tagline="Order ahead, skip the line",
            description="Order coffee and pastries ahead and pick them up.",
            logo="miniprogram-logos/x.png",
            industry=industry,
            service_phone="0571-26888888",
            service_email="a@b.example",
        )
        for n in range(count)
    )
    if host_app is not None:
        MiniProgramHostApp.objects.bulk_create(
            MiniProgramHostApp(miniprogram=mp, host_app=host_app) for mp in rows
        )
    return rows


def test_query_count_does_not_grow_with_rows_across_three_teams(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    owned = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), user=user, role="owner")
    host_app, _secret = host_app_create(actor=owned, name="Wallet", platforms={"ios": "w"})
    reviewing = MembershipFactory(
        workspace=WorkspaceFactory(kind="tenant"), user=user, role="reviewer"
    )
    merchant_owner = MembershipFactory(workspace=WorkspaceFactory(kind="developer"), role="owner")
    MembershipFactory(workspace=merchant_owner.workspace, user=user, role="developer")

    def add(count: int, start: int) -> None:
        # spread over the three teams: owned (with host apps), reviewing, assigned
        third = max(count // 3, 1)
        _bulk(owned.workspace, third, start=start, host_app=host_app)
        _bulk(reviewing.workspace, third, start=start + 1000)
        for mp in _bulk(merchant_owner.workspace, count - 2 * third, start=start + 2000):
            miniprogram_developer_assign(actor=merchant_owner, miniprogram=mp, user_id=user.pk)

    client.force_login(user)
    _bulk(owned.workspace, 1, start=0, host_app=host_app)
    with CaptureQueriesContext(connection) as one_row:
        response = client.get(URL)
    assert names(response) == ["Program 0000"]
    add(99, start=100)
    with django_assert_max_num_queries(len(one_row)):
        response = client.get(URL)
    assert len(response.context["miniprograms"]) == 50
    assert response.context["page_obj"].paginator.count == 100
    assert len({mp.workspace_id for mp in miniprogram_list_for_user(user=user)}) == 3
