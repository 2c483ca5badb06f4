"""``mpp grayscale list | create | suspend | resume | end | percentage | replace-version``
(cli/), run as a real subprocess against a live server, as in test_cli_releases.py (whose
world and runner this file reuses).

On the merchant's mini program, 1.0.0 is online on Acme Wallet (test) and 1.1.0 is approved
there (outside production approval is at once), so tasks can be started for it; 1.2.0 is ready
for the hotfix.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from console.tests import test_cli_releases as base
from console.tests.test_cli_releases import LIVE, World, ok, refused
from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
from releases.release.services import release_publish, release_submit
from releases.services.versions import version_upload
from releases.tests.packages import zip_bytes

G = GrayscaleTask.State
mpp = base.mpp  # the fixtures of test_cli_releases.py: the runner and the world
world = base.world
WHERE = ("--host-app", "acme wallet", "--env", "test")


def submit(world: World, number: str):
    version = world.mp.versions.get(number=number)
    [release] = release_submit(
        actor=world.merchant, version=version, host_app_ids=[world.wallet.pk], environment="test"
    )
    return release


@pytest.fixture
def gray(world) -> World:
    version_upload(
        actor=world.merchant, miniprogram=world.mp, number="1.2.0", package=io.BytesIO(zip_bytes())
    )
    release_publish(actor=world.merchant, release_id=submit(world, "1.0.0").pk)
    submit(world, "1.1.0")
    return world


def times() -> tuple[str, str]:
    now = timezone.now()
    return (now - timedelta(minutes=1)).isoformat(), (now + timedelta(days=7)).isoformat()


def create(mpp, world: World, *extra: str, name: str = "Spring cohort", version: str = "1.1.0"):
    start, end = times()
    return mpp(
        "grayscale", "create", world.app_id, version, *WHERE, "--name", name,
        "--start", start, "--end", end, "--max-users", "500", *extra, env=world.env,
    )  # fmt: skip


@LIVE
def test_create_with_conditions_and_an_accounts_file_then_list_newest_first(mpp, gray, tmp_path):
    accounts = tmp_path / "testers.txt"
    accounts.write_text("alice@example.com\nbob@example.com\n", encoding="utf-8")
    devices = tmp_path / "devices.txt"
    devices.write_text("dev-1\r\ndev-2\r\ndev-3\r\n", encoding="utf-8")

    first = ok(create(mpp, gray, "--percentage", "5", "--accounts-file", str(accounts),
                      "--device-ids-file", str(devices), "--network", "wifi", "--network", "5g",
                      "--platform", "android:13:15", "--platform", "ios",
                      "--host-app-version", "8.0:9.0"))  # fmt: skip

    task = GrayscaleTask.objects.get()
    assert first.out.strip() == (
        f"Grayscale task {task.pk} “Spring cohort” (version 1.1.0 on Acme Wallet (test)) is "
        "delivering: up to 500 users, 5 % of the matching users (3 device ids, 2 accounts)."
    )
    assert (task.state, task.max_users, task.version.number) == (G.DELIVERING, 500, "1.1.0")
    assert (task.host_app_version_min, task.host_app_version_max) == ("8.0", "9.0")
    assert task.platforms == {"android": ["13", "15"], "ios": ["", ""]}
    assert sorted(task.networks) == ["5g", "wifi"]
    lists = {row.kind: row for row in GrayscaleTargetList.objects.filter(task=task)}
    assert set(lists) == {"account", "device_id"}

    second = ok(create(mpp, gray, name="Second"))
    newer = GrayscaleTask.objects.exclude(pk=task.pk).get()
    assert f"Grayscale task {newer.pk} “Second”" in second.out

    table = ok(mpp("grayscale", "list", gray.app_id, *WHERE, env=gray.env)).out.splitlines()
    assert table[0].split() == ["ID", "NAME", "VERSION", "STATE", "USERS", "PERCENTAGE"]
    assert table[1].split() == [str(newer.pk), "Second", "1.1.0", "delivering", "0/500", "—"]
    assert table[2].split() == [
        str(task.pk), "Spring", "cohort", "1.1.0", "delivering", "0/500", "5", "%"
    ]  # fmt: skip

    listed = json.loads(ok(mpp("grayscale", "list", gray.app_id, *WHERE, "--json",
                               env=gray.env)).out)  # fmt: skip
    assert [t["id"] for t in listed] == [newer.pk, task.pk]
    assert listed[1]["percentage"] == 5
    assert listed[1]["target_objects"] == {"guid": 0, "device_id": 3, "account": 2}
    assert (listed[1]["admitted_users"], listed[1]["max_users"]) == (0, 500)


@LIVE
def test_an_accounts_file_with_a_bad_line_is_refused_by_number_and_nothing_is_kept(
    mpp, gray, tmp_path
):
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("alice@example.com\nbob smith\ncarol@example.com\n", encoding="utf-8")

    result = create(mpp, gray, "--accounts-file", str(accounts))

    assert result.code == 1, (result.out, result.err)
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0].startswith("mpp: error: --accounts-file: Line 2: ")
    assert lines[-1].startswith("mpp: request id: ")
    assert not GrayscaleTask.objects.exists()


@LIVE
def test_a_missing_list_file_and_a_bad_time_are_usage_errors(mpp, gray, tmp_path):
    missing = create(mpp, gray, "--guids-file", str(tmp_path / "nope.txt"))
    assert missing.code == 2
    assert "--guids-file" in missing.err and "is not a file" in missing.err

    start, _end = times()
    bad_time = mpp(
        "grayscale", "create", gray.app_id, "1.1.0", *WHERE, "--name", "X", "--start", start,
        "--end", "next week", "--max-users", "5", env=gray.env,
    )  # fmt: skip
    assert bad_time.code == 2
    assert "is not an ISO 8601 time" in bad_time.err
    assert not GrayscaleTask.objects.exists()


@LIVE
def test_a_version_that_is_online_is_refused_with_the_servers_sentence(mpp, gray):
    result = create(mpp, gray, version="1.0.0")
    assert result.code == 1
    assert result.err.splitlines()[-1].startswith("mpp: request id: ")
    assert not GrayscaleTask.objects.exists()


@LIVE
def test_suspend_resume_end(mpp, gray):
    ok(create(mpp, gray))
    task = GrayscaleTask.objects.get()
    head = f"Grayscale task {task.pk} “Spring cohort” (version 1.1.0 on Acme Wallet (test))"

    suspended = ok(mpp("grayscale", "suspend", gray.app_id, str(task.pk), "--note", "Crash",
                       env=gray.env))  # fmt: skip
    assert suspended.out.strip() == f"{head} is suspended (0/500 users delivered)."
    task.refresh_from_db()
    assert task.state == G.SUSPENDED

    resumed = ok(mpp("grayscale", "resume", gray.app_id, str(task.pk), env=gray.env))
    assert resumed.out.strip() == f"{head} is delivering (0/500 users delivered)."

    ended = ok(mpp("grayscale", "end", gray.app_id, str(task.pk), env=gray.env))
    assert ended.out.strip() == f"{head} is ended (0/500 users delivered)."
    task.refresh_from_db()
    assert task.state == G.ENDED

    again = mpp("grayscale", "resume", gray.app_id, str(task.pk), env=gray.env)
    assert again.code == 1
    assert again.err.splitlines()[-1].startswith("mpp: request id: ")


@LIVE
def test_the_percentage_only_goes_up(mpp, gray):
    ok(create(mpp, gray, "--percentage", "5"))
    task = GrayscaleTask.objects.get()

    raised = ok(mpp("grayscale", "percentage", gray.app_id, str(task.pk), "20", env=gray.env))
    assert raised.out.strip().endswith("is delivering (0/500 users delivered, 20 % of users).")
    task.refresh_from_db()
    assert task.percentage == 20

    lowered = mpp("grayscale", "percentage", gray.app_id, str(task.pk), "10", env=gray.env)
    refused(lowered, "The percentage may only go up: it is 20 % now.")
    task.refresh_from_db()
    assert task.percentage == 20


@LIVE
def test_replace_version_is_the_hotfix_path(mpp, gray):
    ok(create(mpp, gray))
    task = GrayscaleTask.objects.get()
    early = mpp("grayscale", "replace-version", gray.app_id, str(task.pk), "1.2.0", env=gray.env)
    refused(
        early,
        "Version 1.2.0 has not passed review on Acme Wallet (Test): only an approved version "
        "that is not published yet can be released in grayscale.",
    )
    submit(gray, "1.2.0")  # the task's approved release makes room for the hotfix

    result = ok(mpp("grayscale", "replace-version", gray.app_id, str(task.pk), "1.2.0",
                    env=gray.env))  # fmt: skip
    assert result.out.startswith(f"Grayscale task {task.pk} “Spring cohort” (version 1.2.0 on ")
    task.refresh_from_db()
    assert task.version.number == "1.2.0"


@LIVE
def test_an_unknown_task_and_an_unsubmitted_target_say_what_to_do(mpp, gray):
    unknown = mpp("grayscale", "end", gray.app_id, "999999", env=gray.env)
    assert unknown.code == 1
    assert f"Mini program {gray.app_id} has no grayscale task 999999" in unknown.err

    nowhere = mpp("grayscale", "list", gray.app_id, "--host-app", "Acme Lite", "--env", "test",
                  env=gray.env)  # fmt: skip
    assert nowhere.code == 1
    assert "Nothing was ever submitted to Acme Lite (test)" in nowhere.err


@LIVE
def test_show_gives_one_task_in_full_and_as_json(mpp, gray, tmp_path):
    accounts = tmp_path / "testers.txt"
    accounts.write_text("alice@example.com\nbob@example.com\n", encoding="utf-8")
    ok(create(mpp, gray, "--percentage", "5", "--accounts-file", str(accounts),
              "--network", "wifi", "--platform", "android:13:"))  # fmt: skip
    task = GrayscaleTask.objects.get()
    ok(mpp("grayscale", "suspend", gray.app_id, str(task.pk), "--note", "Crash spike",
           env=gray.env))  # fmt: skip

    shown = ok(mpp("grayscale", "show", gray.app_id, str(task.pk), env=gray.env)).out
    lines = shown.splitlines()
    assert lines[0] == (
        f"Grayscale task {task.pk} “Spring cohort” (version 1.1.0 on Acme Wallet (test))"
    )
    fields = {line.split("  ")[1].strip(): line.split("  ", 2)[2].strip() for line in lines[1:8]}
    assert fields["State"] == "suspended"
    assert fields["Users"] == "0/500 delivered (0.0 %)"
    assert fields["Host app version"] == "any version"
    assert fields["Platforms"] == "android 13 or later"
    assert fields["Target objects"] == "on one of: 2 user accounts"
    assert "Network" in shown and "wifi" in shown
    assert "5 % of the matching users (sticky)" in shown
    history = lines[lines.index("History (oldest first):") + 1 :]
    assert history[0].split() == ["WHEN", "ACTION", "STATE", "BY", "NOTE"]
    assert [row.split()[2] for row in history[1:]] == ["create", "delivering", "suspended"]
    assert history[-1].rstrip().endswith("Crash spike")

    data = json.loads(ok(mpp("grayscale", "show", gray.app_id, str(task.pk), "--json",
                             env=gray.env)).out)  # fmt: skip
    assert (data["id"], data["state"], data["target"]["host_app"]["name"]) == (
        task.pk,
        "suspended",
        "Acme Wallet",
    )
    assert [h["action"] for h in data["history"]] == [
        "grayscale.create",
        "grayscale.delivering",
        "grayscale.suspended",
    ]
    assert data["progress"] == {"admitted_users": 0, "max_users": 500, "percent": 0.0}


@LIVE
def test_show_an_unknown_task_exits_1_and_a_bad_id_is_a_usage_error(mpp, gray):
    unknown = mpp("grayscale", "show", gray.app_id, "999999", env=gray.env)
    assert unknown.code == 1 and unknown.out == ""
    assert f"Mini program {gray.app_id} has no grayscale task 999999" in unknown.err
    assert unknown.err.splitlines()[-1].startswith("mpp: request id: ")

    bad = mpp("grayscale", "show", gray.app_id, "seven", env=gray.env)
    assert bad.code == 2
    assert "is not a task id" in bad.err
