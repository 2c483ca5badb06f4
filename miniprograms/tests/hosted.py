"""The world of the "mini programs from developers" tests: a tenant, its merchant, and the
merchant's mini program that targets one of the tenant's host apps (test_hosted*.py)."""

from __future__ import annotations

from dataclasses import dataclass

from miniprograms.models import MiniProgram, MiniProgramHostApp, MiniProgramTester
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.tests.factories import create_miniprogram
from releases.models import Version
from releases.tests.factories import upload_version
from workspaces.models import HostApp, Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


@dataclass
class HostedWorld:
    tenant: Workspace  # "Acme Super App" (acme): hosts the merchant's mini program
    team: dict[str, Membership]  # Acme's owner, admin, reviewer, developer
    wallet: HostApp  # Acme's host app the merchant targets
    lite: HostApp  # Acme's other host app, targeted by nothing
    own: MiniProgram  # Acme's own mini program
    merchant: Workspace  # "Blue Bottle Coffee" (blue), a developer workspace of Acme
    merchant_owner: Membership
    merchant_developer: Membership  # assigned to coffee
    coffee: MiniProgram  # the merchant's mini program, released to Acme Wallet
    version: Version  # coffee 1.0.0 (uploaded; not scanned)
    tester: MiniProgramTester
    zenith: Workspace  # another tenant, with a host app nothing of Blue Bottle targets
    zenith_owner: Membership


def hosted_world() -> HostedWorld:
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    team = {
        role: MembershipFactory(
            workspace=tenant,
            role=role,
            user=UserFactory(email=f"{role}@acme.test", name=f"Acme {role.title()}"),
        )
        for role in ("owner", "admin", "reviewer", "developer")
    }
    wallet, _ = host_app_create(
        actor=team["owner"], name="Acme Wallet", platforms={"android": "com.acme.wallet"}
    )
    lite, _ = host_app_create(
        actor=team["owner"], name="Acme Lite", platforms={"android": "com.acme.lite"}
    )
    own = create_miniprogram(team["owner"], name="Acme Mall", host_app_ids=[wallet.pk])
    merchant = WorkspaceFactory(
        kind="developer", name="Blue Bottle Coffee", slug="blue", tenant=tenant
    )
    merchant_owner = MembershipFactory(
        workspace=merchant, role="owner", user=UserFactory(email="owner@blue.test")
    )
    merchant_developer = MembershipFactory(
        workspace=merchant,
        role="developer",
        user=UserFactory(email="secret-dev@blue.test", name="Secret Developer"),
    )
    coffee = create_miniprogram(merchant_owner, name="Blue Bottle Order", host_app_ids=[wallet.pk])
    miniprogram_developer_assign(
        actor=merchant_owner, miniprogram=coffee, user_id=merchant_developer.user_id
    )
    [tester] = miniprogram_testers_add(
        actor=merchant_owner, miniprogram=coffee, accounts=["secret-tester-1"]
    ).added
    version = upload_version(merchant_owner, coffee, "1.0.0")
    zenith = WorkspaceFactory(kind="tenant", name="Zenith Pay", slug="zenith")
    zenith_owner = MembershipFactory(workspace=zenith, role="owner")
    host_app_create(actor=zenith_owner, name="Zenith App", platforms={"ios": "com.zenith"})
    return HostedWorld(
        tenant=tenant,
        team=team,
        wallet=wallet,
        lite=lite,
        own=own,
        merchant=merchant,
        merchant_owner=merchant_owner,
        merchant_developer=merchant_developer,
        coffee=coffee,
        version=version,
        tester=tester,
        zenith=zenith,
        zenith_owner=zenith_owner,
    )


def unlink(mp: MiniProgram, host_app: HostApp) -> None:
    """The target is gone (no service deletes one today: the row is what the rule reads)."""
    MiniProgramHostApp.objects.filter(miniprogram=mp, host_app=host_app).delete()
