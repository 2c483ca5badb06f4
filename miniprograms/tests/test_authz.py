"""Who may do what with a mini program: the role table, object grants (GRANT_IMPLIES), the
fetch-and-authorize helper, and the backstop against acting on another workspace's program."""

from __future__ import annotations

import pytest
from django.http import Http404
from guardian.shortcuts import assign_perm

from miniprograms.access import access_miniprogram, access_miniprogram_as_host
from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_list, miniprogram_visible
from miniprograms.services.lifecycle import miniprogram_delete, miniprogram_set_shelf
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.services.profile import miniprogram_update_profile
from miniprograms.tests.factories import create_miniprogram, profile_input
from workspaces import authz
from workspaces.authz import GRANT_IMPLIES, Cap, CapabilityDenied, caps_for, has_cap
from workspaces.models import Membership
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory, fresh

pytestmark = pytest.mark.django_db

MP_CAPS = (
    Cap.VIEW_MINIPROGRAM,
    Cap.ADD_MINIPROGRAM,
    Cap.DEVELOP_MINIPROGRAM,
    Cap.MANAGE_MINIPROGRAM,
    Cap.DELETE_MINIPROGRAM,
)
ALL = frozenset(MP_CAPS)
NONE: frozenset[Cap] = frozenset()


def mp_caps(member: Membership, mp: MiniProgram) -> frozenset[Cap]:
    return frozenset(cap for cap in MP_CAPS if has_cap(member, cap, mp))


@pytest.mark.parametrize(
    ("kind", "role", "expected"),
    [
        ("tenant", "owner", ALL),
        ("tenant", "admin", ALL),
        ("tenant", "reviewer", frozenset({Cap.VIEW_MINIPROGRAM})),
        ("tenant", "developer", NONE),
        ("developer", "owner", ALL),
        ("developer", "admin", ALL),
        ("developer", "developer", NONE),
    ],
)
def test_capabilities_by_role_without_grants(kind, role, expected):
    workspace = WorkspaceFactory(kind=kind)
    program = create_miniprogram(MembershipFactory(workspace=workspace, role="admin"))
    member = MembershipFactory(workspace=workspace, role=role)
    assert mp_caps(member, program) == expected
    assert {c for c in MP_CAPS if c.value in caps_for(member, program)} == expected


def test_an_assigned_developer_may_view_and_develop_but_not_manage_or_delete(tenant, owner, mp):
    assert GRANT_IMPLIES[Cap.DEVELOP_MINIPROGRAM] == frozenset({Cap.VIEW_MINIPROGRAM})
    developer = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=developer.user_id)
    assert mp_caps(fresh(developer), mp) == {Cap.VIEW_MINIPROGRAM, Cap.DEVELOP_MINIPROGRAM}
    # The grant is on that one program: another program of the workspace is not theirs.
    other = create_miniprogram(owner, name="Tea House")
    assert mp_caps(fresh(developer), other) == NONE


def test_a_view_grant_alone_shows_the_program_without_letting_them_develop_it(tenant, mp):
    developer = MembershipFactory(workspace=tenant, role="developer")
    assign_perm(authz.codename(Cap.VIEW_MINIPROGRAM), developer.user, mp)
    dev = fresh(developer)
    assert mp_caps(dev, mp) == {Cap.VIEW_MINIPROGRAM}
    assert access_miniprogram(member=dev, app_id=mp.app_id).pk == mp.pk
    with pytest.raises(CapabilityDenied):
        access_miniprogram(member=dev, app_id=mp.app_id, cap=Cap.DEVELOP_MINIPROGRAM)
    assert [p.pk for p in miniprogram_visible(member=dev)] == [mp.pk]


def test_a_reviewer_sees_every_program_but_develops_none(tenant, owner, mp):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    assert access_miniprogram(member=reviewer, app_id=mp.app_id).pk == mp.pk
    assert [p.pk for p in miniprogram_list(member=reviewer)] == [mp.pk]
    for cap in (Cap.DEVELOP_MINIPROGRAM, Cap.MANAGE_MINIPROGRAM, Cap.DELETE_MINIPROGRAM):
        with pytest.raises(CapabilityDenied) as info:
            access_miniprogram(member=reviewer, app_id=mp.app_id, cap=cap)
        assert info.value.cap == cap
    with pytest.raises(CapabilityDenied):
        miniprogram_update_profile(actor=reviewer, miniprogram=mp, profile=profile_input())
    with pytest.raises(CapabilityDenied):
        miniprogram_testers_add(actor=reviewer, miniprogram=mp, accounts=["alice"])


def test_a_blocked_member_holds_nothing_even_with_a_grant(tenant, owner, mp):
    developer = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=developer.user_id)
    admin = MembershipFactory(workspace=tenant, role="admin", status="blocked")
    developer.status = Membership.Status.BLOCKED
    developer.save()
    for member in (fresh(developer), admin):
        assert mp_caps(member, mp) == NONE
        assert list(miniprogram_visible(member=member)) == []
        with pytest.raises(Http404):
            access_miniprogram(member=member, app_id=mp.app_id)


def test_access_answers_404_for_missing_foreign_and_unassigned_programs(tenant, owner, mp):
    globex = WorkspaceFactory(kind="tenant")
    theirs = create_miniprogram(MembershipFactory(workspace=globex, role="owner"), name="Globex")
    developer = MembershipFactory(workspace=tenant, role="developer")
    for member, app_id in [
        (owner, theirs.app_id),  # another workspace's program
        (owner, "2026999999999999"),  # no such program
        (owner, "not-digits"),
        (owner, ""),
        (developer, mp.app_id),  # a developer not assigned to it
    ]:
        with pytest.raises(Http404):
            access_miniprogram(member=member, app_id=app_id)
    assert access_miniprogram(member=owner, app_id=mp.app_id, cap=Cap.DELETE_MINIPROGRAM) == mp


def test_a_grant_on_a_program_of_another_workspace_gives_nothing(tenant, mp):
    globex = WorkspaceFactory(kind="tenant")
    outsider = MembershipFactory(workspace=globex, role="developer")
    assign_perm(authz.codename(Cap.DEVELOP_MINIPROGRAM), outsider.user, mp)
    assert mp_caps(fresh(outsider), mp) == NONE
    assert list(miniprogram_visible(member=fresh(outsider))) == []


def test_an_admin_of_another_workspace_cannot_act_on_a_program_through_the_services(mp):
    """The services' own check is a backstop: roles hold in the actor's workspace only."""
    intruder = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    assert mp_caps(intruder, mp) == NONE
    with pytest.raises(CapabilityDenied):
        miniprogram_set_shelf(actor=intruder, miniprogram=mp, on_shelf=False, reason="Mine now")
    with pytest.raises(CapabilityDenied):
        miniprogram_update_profile(
            actor=intruder, miniprogram=mp, profile=profile_input(name="Hijacked")
        )
    with pytest.raises(CapabilityDenied):
        miniprogram_delete(actor=intruder, miniprogram=mp, confirm_name="Coffee Corner")
    mp.refresh_from_db()
    assert (mp.name, mp.shelf_status) == ("Coffee Corner", "on_shelf")


def test_roles_with_each_capability_as_the_permissions_page_lists_them():
    assert authz.roles_with(Cap.VIEW_MINIPROGRAM, "tenant") == ["owner", "admin", "reviewer"]
    assert authz.roles_with(Cap.DEVELOP_MINIPROGRAM, "tenant") == ["owner", "admin"]
    assert authz.roles_with(Cap.MANAGE_MINIPROGRAM, "developer") == ["owner", "admin"]
    assert authz.roles_with(Cap.DELETE_MINIPROGRAM, "developer") == ["owner", "admin"]


def test_only_view_and_develop_may_be_granted_on_a_program(mp):
    assert authz.grantable_caps(mp) == {Cap.VIEW_MINIPROGRAM, Cap.DEVELOP_MINIPROGRAM}


# --- across workspaces: a tenant reads the merchant mini programs released into its host apps ---


@pytest.fixture
def merchant_world(tenant, owner):
    """Acme (a tenant) with a host app; Blue Bottle, its merchant, whose mini program targets
    that host app; and Zenith, another tenant whose host app nothing targets."""
    from workspaces.services.hostapps import host_app_create

    acme_app, _ = host_app_create(actor=owner, name="Acme App", platforms={"ios": "com.acme"})
    merchant = WorkspaceFactory(kind="developer", name="Blue Bottle", slug="blue", tenant=tenant)
    merchant_owner = MembershipFactory(workspace=merchant, role="owner")
    coffee = create_miniprogram(
        merchant_owner, name="Blue Bottle Coffee", host_app_ids=[acme_app.pk]
    )
    zenith = WorkspaceFactory(kind="tenant", name="Zenith", slug="zenith")
    zenith_owner = MembershipFactory(workspace=zenith, role="owner")
    host_app_create(actor=zenith_owner, name="Zenith App", platforms={"ios": "com.zenith"})
    return {
        "merchant": merchant,
        "merchant_owner": merchant_owner,
        "coffee": coffee,
        "zenith": zenith,
        "zenith_reviewer": MembershipFactory(workspace=zenith, role="reviewer"),
    }


def test_a_tenant_reviewer_reads_a_merchant_program_targeting_its_host_app(
    tenant, owner, merchant_world
):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    coffee = merchant_world["coffee"]

    mp, member = access_miniprogram_as_host(
        user=reviewer.user, workspace=tenant, app_id=coffee.app_id
    )

    assert (mp, member) == (coffee, fresh(reviewer))
    assert [t.host_app.name for t in mp.targets.all()] == ["Acme App"]
    # Through the role: the same role in the merchant's own workspace would be has_cap's.
    assert authz.has_cap_as_host(
        fresh(reviewer), Cap.VIEW_MINIPROGRAM, owner=coffee.workspace, targets_member_host_app=True
    )


@pytest.mark.parametrize(
    "cap",
    [Cap.DEVELOP_MINIPROGRAM, Cap.MANAGE_MINIPROGRAM, Cap.DELETE_MINIPROGRAM],
)
def test_the_tenant_may_not_change_the_merchants_program(tenant, owner, merchant_world, cap):
    coffee = merchant_world["coffee"]

    with pytest.raises(CapabilityDenied):
        access_miniprogram_as_host(user=owner.user, workspace=tenant, app_id=coffee.app_id, cap=cap)
    # Nor through the services, which check has_cap on the merchant's object.
    with pytest.raises(CapabilityDenied):
        miniprogram_set_shelf(actor=fresh(owner), miniprogram=coffee, on_shelf=False, reason="x")
    assert not has_cap(fresh(owner), Cap.VIEW_MINIPROGRAM, coffee)


def test_a_tenant_developer_without_the_view_role_cap_gets_404(tenant, merchant_world):
    developer = MembershipFactory(workspace=tenant, role="developer")

    with pytest.raises(Http404):
        access_miniprogram_as_host(
            user=developer.user, workspace=tenant, app_id=merchant_world["coffee"].app_id
        )


def test_a_tenant_whose_host_apps_are_not_targeted_gets_404(merchant_world):
    reviewer = merchant_world["zenith_reviewer"]

    with pytest.raises(Http404):
        access_miniprogram_as_host(
            user=reviewer.user,
            workspace=merchant_world["zenith"],
            app_id=merchant_world["coffee"].app_id,
        )


def test_as_host_answers_404_for_non_members_blocked_members_and_own_programs(
    tenant, owner, mp, merchant_world
):
    coffee = merchant_world["coffee"]
    zenith_reviewer = merchant_world["zenith_reviewer"]
    blocked = MembershipFactory(workspace=tenant, role="admin", status="blocked")
    for user, app_id in [
        (zenith_reviewer.user, coffee.app_id),  # not a member of Acme
        (blocked.user, coffee.app_id),
        (owner.user, mp.app_id),  # Acme's own program: access_miniprogram's business
        (owner.user, "9999999999999999"),
    ]:
        with pytest.raises(Http404):
            access_miniprogram_as_host(user=user, workspace=tenant, app_id=app_id)


def test_the_merchant_still_cannot_see_tenant_objects(tenant, owner, mp, merchant_world):
    merchant_owner = fresh(merchant_world["merchant_owner"])

    with pytest.raises(Http404):
        access_miniprogram(member=merchant_owner, app_id=mp.app_id)
    assert not has_cap(merchant_owner, Cap.VIEW_MINIPROGRAM, mp)
    assert not has_cap(merchant_owner, Cap.VIEW_HOST_APPS, tenant)
    # Nor may a merchant claim the host side for itself or for a tenant program.
    with pytest.raises(Http404):
        access_miniprogram_as_host(
            user=merchant_owner.user, workspace=merchant_world["merchant"], app_id=mp.app_id
        )
    assert not authz.has_cap_as_host(
        merchant_owner, Cap.VIEW_MINIPROGRAM, owner=tenant, targets_member_host_app=True
    )


def test_a_request_is_acted_on_from_the_side_the_membership_is_on(tenant, owner, merchant_world):
    from types import SimpleNamespace

    request = SimpleNamespace(
        requesting_workspace_id=merchant_world["merchant"].pk, deciding_workspace_id=tenant.pk
    )
    assert authz.request_side(fresh(owner), request) == authz.Side.DECIDING
    assert (
        authz.request_side(fresh(merchant_world["merchant_owner"]), request)
        == authz.Side.REQUESTING
    )
    assert authz.request_side(fresh(merchant_world["zenith_reviewer"]), request) is None
