"""``mpp messages list | show | stats`` (cli/), run as a real subprocess against a live server,
as in test_cli_releases.py (whose runner this file reuses).

The messages are made by the product's own code (miniprograms/tests/subscribing.py): the user
u-1 of Acme Wallet subscribes to two My Templates of the tenant's mini program "Shop", its
backend sends three messages through the open API, and the delivery worker posts them to a real
local endpoint: the first is delivered (200), the second fails at once (404), the third stays
queued.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from console.tests import test_cli_releases as base
from console.tests.test_cli_releases import LIVE, ok
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.subscriptions.delivery import messages_deliver_due
from miniprograms.subscriptions.models import Message
from miniprograms.tests.subscribing import World, send, subscribe
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory

mpp = base.mpp  # the runner of test_cli_releases.py
State = Message.State
PAGE = "pages/order/detail?id=7"
HEADER = ["ID", "TEMPLATE", "USER", "STATE", "ATTEMPTS", "LAST", "ANSWER", "CREATED", "DELIVERED"]


@dataclass
class Log:
    w: World
    delivered: Message
    failed: Message
    queued: Message
    app_id: str
    env: dict[str, str]

    def as_(self, member) -> dict[str, str]:
        return {**self.env, "MPP_TOKEN": token_create(user=member.user, name="CLI")[1]}


def _send_one(client, w: World, token: str, template, user: str, **extra) -> Message:
    response = send(client, token, template, user, **extra)
    assert response.status_code == 202, response.content
    return Message.objects.get(uid=response.json()["id"])


@pytest.fixture
def log(live_server, client, owner, receiver) -> Log:
    w = World(owner, endpoint_url=receiver.url("/mpp/messages"))
    for template in (w.long, w.once):  # one kind a call
        answer = subscribe(client, w, {template.template_id: "accept"})
        assert answer.status_code == 200, answer.content
    user = answer.json()["user_id"]
    token = w.app_token()

    delivered = _send_one(client, w, token, w.long, user, page=PAGE)
    receiver.script = [200]
    assert messages_deliver_due() == {"delivered": 1}
    failed = _send_one(client, w, token, w.long, user)
    receiver.script = [404]
    assert messages_deliver_due() == {"failed": 1}
    queued = _send_one(client, w, token, w.once, user)  # not delivered: stays queued
    for message in (delivered, failed, queued):
        message.refresh_from_db()
    assert [delivered.state, failed.state, queued.state] == [
        State.DELIVERED,
        State.FAILED,
        State.QUEUED,
    ]
    _, raw = token_create(user=owner.user, name="CLI")
    return Log(
        w=w,
        delivered=delivered,
        failed=failed,
        queued=queued,
        app_id=w.shop.app_id,
        env={"MPP_URL": live_server.url, "MPP_TOKEN": raw},
    )


def rows(result) -> list[list[str]]:
    lines = ok(result).out.splitlines()
    assert lines[0].split() == HEADER
    return [line.split() for line in lines[1:]]


# --- list -------------------------------------------------------------------------------------


@LIVE
def test_list_shows_every_message_newest_first_with_its_last_answer(mpp, log):
    listed = rows(mpp("messages", "list", log.app_id, env=log.env))

    assert [r[0] for r in listed] == [str(m.uid) for m in (log.queued, log.failed, log.delivered)]
    queued, failed, delivered = listed
    assert queued[1:6] == [log.w.once.template_id, "u-1", "queued", "0", "—"]
    assert failed[1:7] == [log.w.long.template_id, "u-1", "failed", "1", "HTTP", "404"]
    assert failed[-1] == "—"  # never delivered
    assert delivered[1:7] == [log.w.long.template_id, "u-1", "delivered", "1", "HTTP", "200"]
    assert delivered[-1] != "—"  # its delivery time (HH:MM)


@LIVE
def test_list_filters_by_state_template_search_and_days(mpp, log):
    def ids(*extra: str) -> list[str]:
        result = ok(mpp("messages", "list", log.app_id, *extra, env=log.env))
        if result.out.strip() == "No messages match.":
            return []
        return [line.split()[0] for line in result.out.splitlines()[1:]]

    assert ids("--state", "failed") == [str(log.failed.uid)]
    assert ids("--state", "DELIVERED") == [str(log.delivered.uid)]
    assert ids("--template-id", log.w.once.template_id) == [str(log.queued.uid)]
    assert ids("--template-id", log.w.long.template_id, "--state", "queued") == []
    assert ids("--search", str(log.failed.uid)) == [str(log.failed.uid)]
    today = timezone.now().date()
    assert len(ids("--since", today.isoformat(), "--until", today.isoformat())) == 3
    assert ids("--since", (today + timedelta(days=1)).isoformat()) == []


@LIVE
def test_list_follows_the_pages_up_to_the_limit(mpp, log):
    result = ok(mpp("messages", "list", log.app_id, "--limit", "2", env=log.env))
    listed = [line.split()[0] for line in result.out.splitlines()[1:]]
    assert listed == [str(log.queued.uid), str(log.failed.uid)]
    assert "showing the newest 2 of 3 messages; --limit N shows more." in result.err


@LIVE
def test_list_json_is_the_apis_results(mpp, log):
    listed = json.loads(ok(mpp("messages", "list", log.app_id, "--json", env=log.env)).out)

    assert [m["id"] for m in listed] == [
        str(m.uid) for m in (log.queued, log.failed, log.delivered)
    ]
    failed = listed[1]
    assert (failed["state"], failed["attempts"], failed["last_status_code"]) == ("failed", 1, 404)
    assert "HTTP 404" in failed["last_error"]
    assert (failed["user_id"], failed["open_user_id"]) == ("u-1", log.failed.open_user_id)
    assert failed["host_app"] == {"id": log.w.wallet.pk, "name": "Acme Wallet"}
    assert listed[2]["delivered_at"] is not None and listed[0]["delivered_at"] is None

    one = json.loads(
        ok(mpp("messages", "list", log.app_id, "--json", "--limit", "1", env=log.env)).out
    )
    assert [m["id"] for m in one] == [str(log.queued.uid)]


# --- show -------------------------------------------------------------------------------------


@LIVE
def test_show_prints_every_field_with_the_keyword_values_and_page(mpp, log):
    result = ok(mpp("messages", "show", log.app_id, str(log.delivered.uid), env=log.env))
    lines = result.out.splitlines()
    fields = {}
    for line in lines[1:]:
        if not line.startswith("  "):
            break
        label, _, value = line.strip().partition("  ")
        fields[label] = value.strip()

    assert lines[0] == f"Message {log.delivered.uid}"
    assert fields["Template"] == f"{log.w.long.template_id} “{log.delivered.title}”"
    assert fields["Host app"] == f"Acme Wallet (id {log.w.wallet.pk})"
    assert fields["User id"] == "u-1"
    assert fields["Open user id"] == log.delivered.open_user_id
    assert fields["State"] == "delivered"
    assert fields["Attempts"] == "1"
    assert fields["Last answer"].startswith("HTTP 200 in ")
    assert fields["Page"] == PAGE
    assert fields["Delivered"] != "—"
    data = lines[lines.index("Data (in order):") + 1 :]
    assert data[0].split() == ["KEYWORD", "VALUE"]
    shown = [line.split("  ", 1) for line in data[1:]]
    assert [(k.strip(), v.strip()) for k, v in shown] == [
        (k, f"value of {k}") for k in log.w.long.keywords
    ]

    failed = ok(mpp("messages", "show", log.app_id, str(log.failed.uid), env=log.env)).out
    assert "HTTP 404" in failed and "— (the mini program's home page)" in failed
    assert "Last error    HTTP 404" in failed and "Next attempt  —" in failed

    as_json = json.loads(
        ok(mpp("messages", "show", log.app_id, str(log.delivered.uid), "--json", env=log.env)).out
    )
    assert as_json["page"] == PAGE
    assert as_json["data"] == [
        {"keyword": k, "value": f"value of {k}"} for k in log.w.long.keywords
    ]


@LIVE
def test_show_an_unknown_message_is_refused(mpp, log):
    missing = str(uuid.uuid4())
    result = mpp("messages", "show", log.app_id, missing, env=log.env)
    assert result.code == 1, (result.out, result.err)
    assert result.out == ""
    assert result.err.splitlines()[0] == (
        f"mpp: error: Mini program {log.app_id} has no message {missing} (or not one you can "
        f"see): `mpp messages list {log.app_id}` lists them."
    )
    assert result.err.splitlines()[-1].startswith("mpp: request id: ")


# --- stats ------------------------------------------------------------------------------------


@LIVE
def test_stats_per_template(mpp, log):
    result = ok(mpp("messages", "stats", log.app_id, "--days", "7", env=log.env))
    lines = result.out.splitlines()
    assert (
        lines[0] == f"Messages of {log.app_id} per template, the last 7 days (UTC, today included):"
    )
    assert lines[1].split() == ["TEMPLATE", "TITLE", "SENT", "DELIVERED", "FAILED", "PENDING"]
    numbers = {line.split()[0]: line.split()[-4:] for line in lines[2:]}
    w = log.w
    assert numbers == {
        w.long.template_id: ["2", "1", "1", "0"],
        w.once.template_id: ["1", "0", "0", "1"],
        w.once_b.template_id: ["0", "0", "0", "0"],
        w.once_c.template_id: ["0", "0", "0", "0"],
        "TOTAL": ["3", "1", "1", "1"],
    }

    stats = json.loads(ok(mpp("messages", "stats", log.app_id, "--json", env=log.env)).out)
    long = next(s for s in stats if s["template_id"] == w.long.template_id)
    assert (long["sends"], long["delivered"], long["failed"], long["pending"]) == (2, 1, 1, 0)
    assert len(long["days"]) == 30  # the default, every day, today last
    assert long["days"][-1]["sends"] == 2


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "{app}", "--state", "bounced"], "“bounced” is not a message state"),
        (["list", "{app}", "--since", "2026-02-30"], "“2026-02-30” is not a date: use YYYY-MM-DD"),
        (["list", "{app}", "--until", "yesterday"], "“yesterday” is not a date"),
        (["stats", "{app}", "--days", "91"], "a whole number from 1 to 90"),
        (["stats", "{app}", "--days", "0"], "a whole number from 1 to 90"),
        (["show", "{app}", "42"], "“42” is not a message id"),
        (
            ["list", "{app}", "--since", "2026-12-02", "--until", "2026-12-01"],
            "--until 2026-12-01 is before --since 2026-12-02.",
        ),
    ],
)
def test_bad_input_is_a_usage_error_before_any_request(mpp, args, message):
    # An unreachable server: only the local checks can answer (a request would exit 4).
    env = {"MPP_URL": "http://127.0.0.1:9", "MPP_TOKEN": "mpp_unused"}
    result = mpp("messages", *(a.format(app="2021004112345678") for a in args), env=env)
    assert result.code == 2, (result.out, result.err)
    assert message in result.err
    assert result.out == ""


@LIVE
def test_an_unknown_app_id_exits_1_with_the_message(mpp, log):
    result = mpp("messages", "list", "2021009999999999", env=log.env)
    assert result.code == 1, (result.out, result.err)
    assert result.out == ""
    assert result.err.strip() == (
        "mpp: error: No mini program with App ID 2021009999999999 in any of your workspaces "
        "(acme), or you are not one of its developers. Check the App ID, or pass --workspace."
    )

    named = mpp("messages", "stats", "2021009999999999", "--workspace", "acme", env=log.env)
    assert named.code == 1
    assert named.err.splitlines()[0] == (
        "mpp: error: No mini program with App ID 2021009999999999 in workspace acme, or you "
        "cannot see it there. Check the App ID and the workspace slug."
    )
    assert named.err.splitlines()[-1].startswith("mpp: request id: ")


@LIVE
def test_a_developer_not_assigned_is_refused_until_assigned(mpp, log, owner):
    developer = MembershipFactory(workspace=owner.workspace, role="developer")
    env = log.as_(developer)

    for args in (["list"], ["stats"], ["show", str(log.delivered.uid)]):
        command = [args[0], log.app_id, *args[1:]]
        result = mpp("messages", *command, env=env)
        assert result.code == 1, (args, result.out, result.err)
        assert result.out == ""
        assert f"No mini program with App ID {log.app_id}" in result.err
        assert "you are not one of its developers" in result.err

    miniprogram_developer_assign(actor=owner, miniprogram=log.w.shop, user_id=developer.user_id)
    listed = rows(mpp("messages", "list", log.app_id, "--state", "failed", env=env))
    assert [r[0] for r in listed] == [str(log.failed.uid)]
