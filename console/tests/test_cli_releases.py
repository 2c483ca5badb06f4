"""``mpp submit | withdraw | publish | rollback | releases | offline-package`` (cli/), run as a
real subprocess against a live server, as in test_cli.py.

The world is the product's cross-workspace case: a merchant (developer workspace) releases its
mini program into the two host apps of its tenant, whose Reviewer decides production requests.
Versions go through the real pipeline (eager tasks in the server's process), so they are ready
and built when the commands run.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_can_publish, miniprogram_set_shelf
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.models import Artifact, Release, Version
from releases.release.services import TWO_ROLLBACKS
from releases.services.versions import version_upload
from releases.tests.packages import zip_bytes
from workspaces.models import HostApp, Membership, Workspace
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

LIVE = pytest.mark.django_db(transaction=True)
S = Release.State


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class World:
    merchant: Membership  # Owner of the developer workspace that owns the mini program
    reviewer: Membership  # Reviewer of the tenant that owns the host apps
    wallet: HostApp
    lite: HostApp
    mp: MiniProgram
    app_id: str
    env: dict[str, str]  # MPP_URL and MPP_TOKEN of the merchant

    def as_(self, member: Membership) -> dict[str, str]:
        return {**self.env, "MPP_TOKEN": token_create(user=member.user, name="CLI")[1]}


@pytest.fixture
def mpp(tmp_path) -> Callable[..., Result]:
    """Run ``mpp ARGS`` in a subprocess with its configuration in tmp_path."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("MPP_", "XDG_"))}
        base.update(HOME=str(tmp_path / "home"), MPP_CONFIG=str(tmp_path / "conf.json"))
        base.update(env or {})
        done = subprocess.run(
            [sys.executable, "-m", "mpp_cli", *args],
            env=base,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def world(live_server) -> World:
    tenant_owner = MembershipFactory(
        workspace=WorkspaceFactory(kind=Workspace.Kind.TENANT, name="Acme"), role="owner"
    )
    tenant = tenant_owner.workspace
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    wallet, _ = host_app_create(actor=tenant_owner, name="Acme Wallet", platforms={"ios": "a.w"})
    lite, _ = host_app_create(actor=tenant_owner, name="Acme Lite", platforms={"ios": "a.l"})
    studio = WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Shop")
    merchant = MembershipFactory(workspace=studio, role="owner")
    mp = create_miniprogram(merchant, host_app_ids=[wallet.pk, lite.pk])
    for number in ("1.0.0", "1.1.0"):  # scanned and built at once (eager tasks, no atomic)
        version_upload(
            actor=merchant, miniprogram=mp, number=number, package=io.BytesIO(zip_bytes())
        )
    assert set(mp.versions.values_list("status", flat=True)) == {Version.Status.READY}
    _, raw = token_create(user=merchant.user, name="CLI")
    return World(
        merchant=merchant,
        reviewer=reviewer,
        wallet=wallet,
        lite=lite,
        mp=mp,
        app_id=mp.app_id,
        env={"MPP_URL": live_server.url, "MPP_TOKEN": raw},
    )


def ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def the_release(world: World, number: str, host_app: HostApp, environment: str) -> Release:
    return Release.objects.get(
        version__miniprogram=world.mp,
        version__number=number,
        target__host_app=host_app,
        target__environment=environment,
        state__in=(S.UNDER_REVIEW, S.APPROVED, S.RELEASED, S.WITHDRAWN),
    )


def release_to_production(mpp, world: World, number: str) -> Release:
    """Submit (by name), the tenant's Reviewer approves, the merchant publishes."""
    submitted = ok(
        mpp("submit", world.app_id, number, "--env", "production", "--host-app", "Acme Wallet",
            env=world.env)
    )  # fmt: skip
    release = the_release(world, number, world.wallet, "production")
    head = f"Release {release.pk}: version {number} to Acme Wallet (production)"
    assert f"{head} is under review" in submitted.out
    approval_approve(actor=world.reviewer, request_id=release.approval_id)
    published = ok(mpp("publish", world.app_id, str(release.pk), env=world.env))
    assert published.out.strip() == (
        f"Release {release.pk}: version {number} is online on Acme Wallet (production)."
    )
    release.refresh_from_db()
    assert release.state == S.RELEASED
    return release


def refused(result: Result, message: str) -> None:
    """Exit 1, the server's sentence verbatim, then its request id."""
    assert result.code == 1, (result.out, result.err)
    lines = result.err.splitlines()
    assert lines[-2] == f"mpp: error: {message}"
    assert lines[-1].startswith("mpp: request id: ")
    assert result.out == ""


# --- submit, releases -------------------------------------------------------------------------


@LIVE
def test_submit_to_production_by_name_waits_for_review_and_releases_shows_it(mpp, world):
    result = mpp(
        "submit", world.app_id, "v1.0.0", "--env", "production", "--host-app", "  acme WALLET ",
        "--notes", "First release", env=world.env,
    )  # fmt: skip

    ok(result)
    release = the_release(world, "1.0.0", world.wallet, "production")
    assert (release.state, release.notes) == (S.UNDER_REVIEW, "First release")
    assert result.out.strip() == (
        f"Release {release.pk}: version 1.0.0 to Acme Wallet (production) is under review by "
        "the host app's owner."
    )

    table = ok(mpp("releases", world.app_id, env=world.env)).out.splitlines()
    assert table[0].split() == [
        "HOST", "APP", "ENVIRONMENT", "ONLINE", "SINCE", "IN", "PROGRESS", "STATE", "RELEASE"
    ]  # fmt: skip
    assert table[1].split() == [
        "Acme", "Wallet", "production", "—", "—", "1.0.0", "under", "review", str(release.pk)
    ]  # fmt: skip

    listed = json.loads(ok(mpp("releases", world.app_id, "--json", env=world.env)).out)
    [target] = listed
    assert (target["host_app"]["name"], target["environment"]) == ("Acme Wallet", "production")
    assert target["online"] is None
    assert (target["open_release"]["id"], target["open_release"]["state"]) == (
        release.pk,
        "under_review",
    )


@LIVE
def test_outside_production_each_host_app_is_approved_at_once(mpp, world):
    result = ok(
        mpp("submit", world.app_id, "1.0.0", "--env", "test", "--host-app", str(world.wallet.pk),
            "--host-app", "Acme Lite", "--host-app", "acme lite", env=world.env)
    )  # fmt: skip

    wallet = the_release(world, "1.0.0", world.wallet, "test")
    lite = the_release(world, "1.0.0", world.lite, "test")
    assert wallet.state == lite.state == S.APPROVED
    assert Release.objects.count() == 2  # a host app named twice is submitted once
    for release, name in ((wallet, "Acme Wallet"), (lite, "Acme Lite")):
        assert (
            f"Release {release.pk}: version 1.0.0 to {name} (test) is approved. Publish it: "
            f"mpp publish {world.app_id} {release.pk}"
        ) in result.out


@LIVE
def test_submit_refusals_are_the_servers_sentences(mpp, world):
    args = ("submit", world.app_id, "1.0.0", "--env", "sandbox", "--host-app", "Acme Lite")
    ok(mpp(*args, env=world.env))

    refused(
        mpp(*args, env=world.env),
        "Acme Lite (Sandbox) already has a release in progress: withdraw it or publish it "
        "before submitting another version there.",
    )
    refused(
        mpp("submit", world.app_id, "9.9.9", "--env", "test", "--host-app", "Acme Lite",
            env=world.env),
        "This mini program has no version 9.9.9.",
    )  # fmt: skip
    long_notes = mpp(*args[:-2], "--host-app", "Acme Wallet", "--notes", "x" * 1001, env=world.env)
    assert long_notes.code == 1
    assert "mpp: error: --notes: The notes are 1001 characters; keep them to 1000." in (
        long_notes.err
    )
    assert Release.objects.count() == 1


@LIVE
def test_an_unknown_host_app_is_a_usage_error_naming_the_host_apps(mpp, world):
    result = mpp(
        "submit", world.app_id, "1.0.0", "--env", "test", "--host-app", "Moon App", env=world.env
    )

    assert result.code == 2
    assert result.err == (
        "mpp: error: “Moon App” is not a host app of this mini program. Its host apps: "
        f"Acme Lite (id {world.lite.pk}), Acme Wallet (id {world.wallet.pk}).\n"
    )
    assert not Release.objects.exists()


@LIVE
def test_withdraw_a_release_under_review(mpp, world):
    ok(mpp("submit", world.app_id, "1.0.0", "--env", "production", "--host-app", "Acme Wallet",
           env=world.env))  # fmt: skip
    release = the_release(world, "1.0.0", world.wallet, "production")

    result = ok(mpp("withdraw", world.app_id, str(release.pk), env=world.env))

    assert result.out.strip() == (
        f"Release {release.pk}: version 1.0.0 to Acme Wallet (production) is withdrawn."
    )
    release.refresh_from_db()
    assert release.state == S.WITHDRAWN
    # Publishing it now is refused with the service's sentence.
    refused(
        mpp("publish", world.app_id, str(release.pk), env=world.env),
        "Only an approved release can be published; this one is withdrawn.",
    )
    missing = mpp("withdraw", world.app_id, "999999", env=world.env)
    refused(missing, "This mini program has no such release.")


# --- publish and roll back --------------------------------------------------------------------


@LIVE
def test_publish_then_roll_back_once_and_the_second_rollback_is_refused(mpp, world):
    first = release_to_production(mpp, world, "1.0.0")
    second = release_to_production(mpp, world, "1.1.0")
    assert second.replaces_id == first.pk

    result = ok(
        mpp("rollback", world.app_id, "--host-app", "Acme Wallet", "--env", "production",
            "--note", "Crash on start", env=world.env)
    )  # fmt: skip

    rollback = Release.objects.get(kind=Release.Kind.ROLLBACK)
    assert (rollback.version.number, rollback.state, rollback.notes) == (
        "1.0.0",
        S.RELEASED,
        "Crash on start",
    )
    assert result.out.strip() == (
        f"Rolled back Acme Wallet (production): version 1.0.0 is online again (release "
        f"{rollback.pk}), in place of 1.1.0."
    )
    row = ok(mpp("releases", world.app_id, env=world.env)).out.splitlines()[1]
    assert row.split()[:5] == ["Acme", "Wallet", "production", "1.0.0", "(rollback)"]

    again = mpp(
        "rollback", world.app_id, "--host-app", str(world.wallet.pk), "--env", "production",
        env=world.env,
    )  # fmt: skip
    refused(again, TWO_ROLLBACKS)
    assert Release.objects.filter(kind=Release.Kind.ROLLBACK).count() == 1


@LIVE
def test_rollback_where_nothing_was_released_says_so(mpp, world):
    result = mpp(
        "rollback", world.app_id, "--host-app", "Acme Lite", "--env", "sandbox", env=world.env
    )

    assert result.code == 1
    assert result.err == (
        "mpp: error: Nothing was ever released to Acme Lite (sandbox): there is nothing to roll "
        "back.\n"
    )


@LIVE
def test_a_developer_cannot_publish_and_is_told_who_can(mpp, world):
    developer = MembershipFactory(workspace=world.merchant.workspace, role="developer")
    miniprogram_developer_assign(
        actor=world.merchant, miniprogram=world.mp, user_id=developer.user_id
    )
    env = world.as_(developer)
    ok(mpp("submit", world.app_id, "1.0.0", "--env", "test", "--host-app", "Acme Lite", env=env))
    release = the_release(world, "1.0.0", world.lite, "test")

    refused(
        mpp("publish", world.app_id, str(release.pk), env=env),
        "This needs the capability miniprograms.manage_miniprogram, held by: Owner or Developer "
        "Admin.",
    )
    release.refresh_from_db()
    assert release.state == S.APPROVED


@LIVE
def test_publishing_while_off_shelf_is_refused_with_the_reason(mpp, world):
    ok(mpp("submit", world.app_id, "1.0.0", "--env", "test", "--host-app", "Acme Lite",
           env=world.env))  # fmt: skip
    release = the_release(world, "1.0.0", world.lite, "test")
    miniprogram_set_shelf(
        actor=world.merchant, miniprogram=world.mp, on_shelf=False, reason="Audit"
    )
    world.mp.refresh_from_db()

    refused(
        mpp("publish", world.app_id, str(release.pk), env=world.env),
        miniprogram_can_publish(world.mp)[1],
    )


# --- offline packages -------------------------------------------------------------------------


@LIVE
def test_offline_package_of_an_online_version_is_saved_under_its_exact_name(mpp, world, tmp_path):
    release_to_production(mpp, world, "1.0.0")
    out = tmp_path / "dist"
    out.mkdir()

    result = ok(mpp("offline-package", world.app_id, "1.0.0", "-o", str(out), env=world.env))

    saved = out / f"{world.app_id}_1.0.0.apkg"
    assert sorted(p.name for p in out.iterdir()) == [saved.name]  # no part file left behind
    assert result.out.startswith(f"Saved {saved} (")
    assert "version 1.0.0, 4 built files, package sha256 " in result.out
    version = world.mp.versions.get(number="1.0.0")
    with zipfile.ZipFile(saved) as apkg:
        manifest = json.loads(apkg.read("manifest.json"))
        assert (manifest["app_id"], manifest["version"]) == (world.app_id, "1.0.0")
        assert manifest["package_sha256"] == version.package_sha256
        complete = version.artifacts.get(kind=Artifact.Kind.COMPLETE)
        with complete.file.open("rb") as fh:
            assert apkg.read("complete.zip") == fh.read()


@LIVE
def test_offline_package_refusals(mpp, world, tmp_path):
    release_to_production(mpp, world, "1.0.0")
    out = tmp_path / "dist"
    out.mkdir()

    refused(
        mpp("offline-package", world.app_id, "1.1.0", "-o", str(out), env=world.env),
        "Version 1.1.0 is not online in any host app: only a version that is online somewhere "
        "has an offline package. Online now: 1.0.0.",
    )
    miniprogram_set_shelf(
        actor=world.merchant, miniprogram=world.mp, on_shelf=False, reason="Audit"
    )
    world.mp.refresh_from_db()
    refused(
        mpp("offline-package", world.app_id, "1.0.0", "-o", str(out), env=world.env),
        f"{miniprogram_can_publish(world.mp)[1]} An off-shelf mini program has no offline package.",
    )
    assert list(out.iterdir()) == []

    nowhere = mpp("offline-package", world.app_id, "1.0.0", "-o", str(tmp_path / "no"))
    assert nowhere.code == 2
    assert "no is not a folder: -o names the folder to save the .apkg in." in nowhere.err


@LIVE
def test_a_damaged_offline_package_is_not_kept(mpp, world, tmp_path):
    release_to_production(mpp, world, "1.0.0")
    complete = world.mp.versions.get(number="1.0.0").artifacts.get(kind=Artifact.Kind.COMPLETE)
    with complete.file.storage.open(complete.file.name, "wb") as fh:
        fh.write(b"not the built bytes")  # the server stops the stream at this file

    result = mpp("offline-package", world.app_id, "1.0.0", "-o", str(tmp_path), env=world.env)

    assert result.code == 4
    assert "mpp: error: The downloaded file is damaged: " in result.err
    assert not list(Path(tmp_path).glob("*.apkg*")) and not list(tmp_path.glob(".mpp-*"))


# --- arguments and help -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["submit", "2021004112345678", "1.0.0", "--host-app", "A"], "required: --env"),
        (["submit", "2021004112345678", "1.0.0", "--env", "prod", "--host-app", "A"],
         "argument --env: invalid choice: 'prod'"),
        (["submit", "2021004112345678", "1.0.0", "--env", "test"], "required: --host-app"),
        (["submit", "12345", "1.0.0", "--env", "test", "--host-app", "A"], "is not an App ID"),
        (["publish", "2021004112345678", "abc"], "“abc” is not a release id"),
        (["rollback", "2021004112345678", "--env", "test"], "required: --host-app"),
        (["offline-package", "2021004112345678", "1.02.0"], "is not a version number"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2(mpp, args, message):
    result = mpp(*args)

    assert result.code == 2
    assert message in result.err


def test_release_commands_without_a_server_exit_4(mpp):
    env = {"MPP_URL": "http://127.0.0.1:9", "MPP_TOKEN": "mpp_x"}

    result = mpp("releases", "2021004112345678", env=env)

    assert result.code == 4
    assert "Cannot reach http://127.0.0.1:9" in result.err


def test_help_explains_each_release_command(mpp):
    top = ok(mpp("--help")).out
    for command in ("releases", "submit", "withdraw", "publish", "rollback", "offline-package"):
        assert f"\n    {command}" in top
    assert "mpp submit 2021004112345678 1.2.3 --env production --host-app" in top
    submit = ok(mpp("submit", "--help")).out
    assert "--host-app NAME_OR_ID" in submit and "repeat for several" in submit
    assert "production it waits for the review of the tenant" in " ".join(submit.split())
    rollback = " ".join(ok(mpp("rollback", "--help")).out.split())
    assert "Two rollbacks in a row are refused" in rollback
    offline = " ".join(ok(mpp("offline-package", "--help")).out.split())
    assert "{App ID}_{version}.apkg" in offline and "-o DIR, --output DIR" in offline
