"""The pure targeting module (issue 11): conditions, buckets, the choice, target lists.

No database: ``releases.grayscale.targeting`` imports no ORM, and these tests prove the audience
preview and the runtime take the same decision because they call the same function.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releases.grayscale.preview import audience_preview
from releases.grayscale.targeting import (
    Candidate,
    Context,
    Decision,
    Rule,
    bucket,
    choose,
    compare_versions,
    evaluate,
    in_range,
    parse_target_list,
    user_key,
)

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def make_rule(
    *,
    task_id: int = 1,
    version: str = "1.3.0",
    host_app_ranges: Mapping[int, tuple[str, str]] | None = None,
    platforms: Mapping[str, tuple[str, str]] | None = None,
    guids: frozenset[str] | set[str] = frozenset(),
    device_ids: frozenset[str] | set[str] = frozenset(),
    accounts: frozenset[str] | set[str] = frozenset(),
    networks: frozenset[str] | set[str] = frozenset(),
    percentage: float | None = None,
) -> Rule:
    return Rule(
        task_id=task_id,
        version=version,
        host_app_ranges=host_app_ranges or {},
        platforms=platforms or {},
        guids=frozenset(guids),
        device_ids=frozenset(device_ids),
        accounts=frozenset(accounts),
        networks=frozenset(networks),
        percentage=percentage,
    )


def admit_all(task_id: int, key: str, max_users: int) -> bool:
    return True


def admit_none(task_id: int, key: str, max_users: int) -> bool:
    return False


class Cohorts:
    """An in-memory admission with the real contract: a user once in stays in; never more
    than ``max_users`` (``<= 0``: no limit). ``admit`` records, ``would_admit`` only reads."""

    def __init__(self) -> None:
        self.members: dict[int, set[str]] = {}
        self.calls: list[tuple[int, str, int]] = []

    def would_admit(self, task_id: int, key: str, max_users: int) -> bool:
        members = self.members.get(task_id, set())
        return key in members or max_users <= 0 or len(members) < max_users

    def admit(self, task_id: int, key: str, max_users: int) -> bool:
        self.calls.append((task_id, key, max_users))
        if not self.would_admit(task_id, key, max_users):
            return False
        self.members.setdefault(task_id, set()).add(key)
        return True

    def snapshot(self) -> dict[int, frozenset[str]]:
        return {task: frozenset(keys) for task, keys in self.members.items()}


# --- every condition alone ---------------------------------------------------------------------


def test_a_rule_without_conditions_matches_every_launch():
    verdict = evaluate(make_rule(), Context(host_app_id=9))
    assert verdict.matched and verdict.failed == ""
    assert verdict.reason == "Every condition of this task matches."


def test_host_app_condition():
    rule = make_rule(host_app_ranges={3: ("8.2", "9.0"), 5: ("", "")})
    assert evaluate(rule, Context(3, host_app_version="8.2.0")).matched
    assert evaluate(rule, Context(3, host_app_version="9.0")).matched
    assert evaluate(rule, Context(5)).matched  # listed without a range: any version, even none
    other = evaluate(rule, Context(4, host_app_version="8.5"))
    assert (other.matched, other.failed) == (False, "host_app")
    assert other.reason == (
        "The launch comes from host app 4; this task delivers only in host apps 3 and 5."
    )
    low = evaluate(rule, Context(3, host_app_version="8.1.9"))
    assert low.failed == "host_app_version"
    assert (
        low.reason == "The host app is version 8.1.9; this task wants host app version 8.2 to 9.0."
    )
    assert evaluate(rule, Context(3, host_app_version="9.0.1")).failed == "host_app_version"
    unknown = evaluate(rule, Context(3))
    assert unknown.failed == "host_app_version"
    assert "does not say which host app version" in unknown.reason


def test_host_app_version_open_bounds():
    from_82 = make_rule(host_app_ranges={1: ("8.2", "")})
    up_to_9 = make_rule(host_app_ranges={1: ("", "9")})
    assert evaluate(from_82, Context(1, host_app_version="100.0")).matched
    assert "8.2 or later" in evaluate(from_82, Context(1, host_app_version="8.1")).reason
    assert evaluate(up_to_9, Context(1, host_app_version="0.1")).matched
    assert "9 or earlier" in evaluate(up_to_9, Context(1, host_app_version="9.0.1")).reason


def test_platform_and_os_version_condition():
    rule = make_rule(platforms={"android": ("13", "15"), "ios": ("", "")})
    assert evaluate(rule, Context(1, platform="android", os_version="14")).matched
    assert evaluate(rule, Context(1, platform="android", os_version="15.0.2")).failed == (
        "os_version"
    )
    assert evaluate(rule, Context(1, platform="ios")).matched  # iOS: any version
    old = evaluate(rule, Context(1, platform="android", os_version="12"))
    assert (old.failed, old.reason) == (
        "os_version",
        "The device runs Android 12; this task wants Android 13 to 15.",
    )
    silent = evaluate(rule, Context(1, platform="android"))
    assert silent.failed == "os_version"
    assert silent.reason == (
        "The launch does not say which Android version the device runs; this task wants "
        "Android 13 to 15."
    )
    harmony = evaluate(rule, Context(1, platform="harmonyos", os_version="4"))
    assert (harmony.failed, harmony.reason) == (
        "platform",
        "The device runs HarmonyOS; this task delivers only to Android or iOS.",
    )
    assert evaluate(rule, Context(1)).failed == "platform"


@pytest.mark.parametrize(
    ("lists", "context", "matched"),
    [
        ({"accounts": {"13800138000"}}, Context(1, user_account="13800138000"), True),
        ({"device_ids": {"dev-1"}}, Context(1, device_id="dev-1"), True),
        ({"guids": {"g-1"}}, Context(1, guid="g-1"), True),
        ({"accounts": {"13800138000"}}, Context(1, user_account="13900139000"), False),
        ({"accounts": {"13800138000"}}, Context(1, device_id="13800138000"), False),  # own kind
        ({"accounts": {"a"}, "device_ids": {"dev-1"}}, Context(1, device_id="dev-1"), True),
        ({"accounts": {"a"}, "guids": {"g-1"}}, Context(1, user_account="b", guid="g-2"), False),
        ({"guids": {""}}, Context(1), False),  # an empty id is never on a list
    ],
)
def test_target_objects_any_non_empty_list_matching(lists, context, matched):
    verdict = evaluate(make_rule(**lists), context)
    assert verdict.matched is matched
    assert verdict.failed == ("" if matched else "target")


def test_target_object_reasons_name_the_list():
    accounts = {f"1380013{i:04d}" for i in range(2000)}
    rule = make_rule(accounts=accounts)
    verdict = evaluate(rule, Context(1, user_account="13800138000"))
    assert verdict.reason == "Account 1380013… is not on this task's list of 2,000 accounts."
    assert evaluate(rule, Context(1)).reason == (
        "The launch gives no account for this task's list of 2,000 accounts."
    )
    both = make_rule(accounts={"a"}, device_ids={"d"})
    assert evaluate(both, Context(1, device_id="x")).reason == (
        "The launch gives no account for this task's list of 1 account; "
        "device id x is not on this task's list of 1 device id."
    )


def test_network_condition():
    rule = make_rule(networks={"wifi", "5g"})
    assert evaluate(rule, Context(1, network="wifi")).matched
    slow = evaluate(rule, Context(1, network="3g"))
    assert (slow.failed, slow.reason) == (
        "network",
        "The device is on 3G; this task wants 5G or Wi-Fi.",
    )
    silent = evaluate(rule, Context(1))
    assert silent.failed == "network" and "does not say which network" in silent.reason


def test_percentage_condition():
    inside = next(f"user-{i}" for i in range(1000) if bucket(7, f"user-{i}") < 5)
    outside = next(f"user-{i}" for i in range(1000) if bucket(7, f"user-{i}") >= 5)
    rule = make_rule(task_id=7, percentage=5)
    verdict = evaluate(rule, Context(1, user_account=inside))
    assert verdict.matched and "percentage 5 %: this user's bucket is" in verdict.reason
    missed = evaluate(rule, Context(1, user_account=outside))
    assert missed.failed == "percentage"
    assert missed.reason.startswith("Percentage 5 %: this user's bucket is ")
    keyless = evaluate(rule, Context(1))
    assert keyless.failed == "percentage" and "no user account, device id or GUID" in keyless.reason
    # 100 %: everyone, a launch without ids included (nobody needs a bucket)
    assert evaluate(make_rule(percentage=100), Context(1)).matched


@pytest.mark.parametrize("bad", [0, -1, 100.5, float("nan"), float("inf")])
def test_a_percentage_outside_0_to_100_is_refused_when_compiling(bad):
    with pytest.raises(ValueError, match="percentage"):
        make_rule(percentage=bad)


def test_user_key_prefers_account_then_device_then_guid():
    assert user_key(Context(1, guid="g", device_id="d", user_account="a")) == "a"
    assert user_key(Context(1, guid="g", device_id="d")) == "d"
    assert user_key(Context(1, guid="g")) == "g"
    assert user_key(Context(1)) == ""


# --- combined -----------------------------------------------------------------------------------

FULL_RULE = make_rule(
    task_id=11,
    host_app_ranges={1: ("8.0", "")},
    platforms={"android": ("13", "")},
    device_ids={"dev-1", "dev-2"},
    networks={"wifi"},
)
FULL_MATCH = Context(
    1, host_app_version="8.2.1", platform="android", os_version="14", device_id="dev-1",
    network="wifi",
)  # fmt: skip


def test_all_conditions_matching_matches():
    assert evaluate(FULL_RULE, FULL_MATCH).matched


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ({"host_app_id": 2}, "host_app"),
        ({"host_app_version": "7.9"}, "host_app_version"),
        ({"platform": "ios"}, "platform"),
        ({"os_version": "12"}, "os_version"),
        ({"device_id": "dev-3"}, "target"),
        ({"network": "4g"}, "network"),
    ],
)
def test_any_one_failing_condition_fails_the_task(change, failed):
    fields = {name: getattr(FULL_MATCH, name) for name in Context.__dataclass_fields__}
    verdict = evaluate(FULL_RULE, Context(**{**fields, **change}))
    assert (verdict.matched, verdict.failed) == (False, failed)


def test_the_first_failing_condition_is_named():
    verdict = evaluate(FULL_RULE, Context(2, platform="ios", network="4g"))
    assert verdict.failed == "host_app"


# --- version numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("8.2", "8.2.0", 0),
        ("8.2.0.0", "8.2", 0),
        ("8.10", "8.9", 1),
        ("8.2.1", "8.2", 1),
        ("v8.2", "8.2", 0),
        (" 8.2 ", "8.2", 0),
        ("8.2.1-beta", "8.2.1", -1),  # a pre-release sorts below its release
        ("8.2.1-beta", "8.2.0", 1),
        ("8.2", "8.2.0-beta", 1),
        ("8", "8.0.0-beta", 1),
        ("8.0.1", "8", 1),
        ("", "0", 0),
        ("abc", "1", -1),
        ("8..2", "8.0.2", 0),
    ],
)
def test_compare_versions(a, b, expected):
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


@given(st.text(max_size=80), st.text(max_size=80))
def test_compare_versions_never_crashes_and_is_antisymmetric(a, b):
    assert compare_versions(a, b) == -compare_versions(b, a)
    assert compare_versions(a, a) == 0


def test_compare_versions_tolerates_huge_and_unicode_numbers():
    assert compare_versions("1." + "9" * 5000, "1.9") == 1
    assert compare_versions("²", "0") in (-1, 0, 1)  # a superscript digit is text, not 2
    assert compare_versions("٣", "3") != 0  # so is an Arabic-Indic digit


@pytest.mark.parametrize(
    ("value", "lo", "hi", "expected"),
    [
        ("8.2", "8.2.0", "8.2.0", True),
        ("8.2.0", "8.2", "", True),
        ("8.1.99", "8.2", "", False),
        ("100", "", "", True),
        ("", "", "", True),  # no bound: nothing to know
        ("", "8.2", "", False),  # a bound and no value: not in
        ("", "", "9", False),
        ("9", "", "9", True),
        ("9.0.1", "", "9", False),
        ("x.y", "", "", True),
    ],
)
def test_in_range(value, lo, hi, expected):
    assert in_range(value, lo, hi) is expected


# --- buckets ----------------------------------------------------------------------------------


def test_bucket_is_a_pinned_contract():
    # xxh64 of "<task>:<key>" (seed 0) mod 1,000,000 / 10,000: pinned so that changing the hash
    # (and with it every user's cohort) cannot happen unnoticed.
    assert bucket(12, "13800138000") == 16.8546
    assert bucket(1, "user-1") == 2.7838


def test_bucket_is_the_same_in_another_process():
    code = (
        "import django; django.setup();"  # in case the package ever imports models
        "from releases.grayscale.targeting import bucket;"
        "print(repr([bucket(12, '13800138000'), bucket(3, 'dev-ü')]))"
    )
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "DJANGO_SETTINGS_MODULE": "console.settings.test",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == repr([bucket(12, "13800138000"), bucket(3, "dev-ü")])


def test_bucket_range_and_resolution():
    values = [bucket(5, f"user-{i}") for i in range(10_000)]
    assert all(0 <= value < 100 for value in values)
    assert all(float(f"{value:.4f}") == value for value in values)  # steps of 0.0001
    assert len(set(values)) > 9_900  # 1,000,000 buckets: 0.01 % is 100 of them
    assert bucket(5, "user-1") != bucket(6, "user-1")  # independent per task


def test_raising_the_percentage_keeps_everyone_who_was_in():
    keys = [f"user-{i}" for i in range(10_000)]

    def members(percentage: float) -> set[str]:
        rule = make_rule(task_id=42, percentage=percentage)
        return {key for key in keys if evaluate(rule, Context(1, user_account=key)).matched}

    at_5, at_20 = members(5), members(20)
    assert at_5 <= at_20
    assert 400 <= len(at_5) <= 600
    assert 1_900 <= len(at_20) <= 2_100  # 20 % ± 1 %


@given(
    st.integers(min_value=1, max_value=2**40),
    st.text(min_size=1, max_size=40),
    st.floats(min_value=0.0001, max_value=100),
    st.floats(min_value=0.0001, max_value=100),
)
def test_stickiness_for_any_user_and_percentages(task_id, key, p1, p2):
    low, high = sorted((p1, p2))
    context = Context(1, device_id=key)
    if evaluate(make_rule(task_id=task_id, percentage=low), context).matched:
        assert evaluate(make_rule(task_id=task_id, percentage=high), context).matched


# --- the choice ------------------------------------------------------------------------------


def test_no_tasks_serves_the_online_version_or_nothing():
    decision = choose(Candidate("1.2.0", ()), Context(1), admit=admit_none)
    assert (decision.version, decision.source, decision.task_id, decision.checks) == (
        "1.2.0",
        "online",
        None,
        (),
    )
    nothing = choose(Candidate(None, ()), Context(1), admit=admit_all)
    assert (nothing.version, nothing.source) == (None, "none")


def test_the_newest_matching_admitted_task_wins_and_every_task_looked_at_is_listed():
    newest = make_rule(task_id=3, version="1.5.0", networks={"5g"})
    middle = make_rule(task_id=2, version="1.4.0")
    oldest = make_rule(task_id=1, version="1.3.0")
    entries = tuple((rule, 100, "delivering") for rule in (newest, middle, oldest))
    candidate = Candidate("1.2.0", entries)
    cohorts = Cohorts()
    decision = choose(candidate, Context(1, guid="g", network="wifi"), admit=cohorts.admit)
    assert (decision.version, decision.source, decision.task_id) == ("1.4.0", "grayscale", 2)
    assert [(task, verdict.failed) for task, verdict in decision.checks] == [
        (3, "network"),
        (2, ""),
    ]
    assert cohorts.calls == [(2, "g", 100)]
    assert decision.reason == "Grayscale task 2 delivers version 1.4.0: every condition matches."


def test_a_full_task_falls_through_with_the_limit_as_reason():
    rule = make_rule(task_id=8, version="2.0.0")
    decision = choose(
        Candidate("1.0.0", ((rule, 1000, "delivering"),)), Context(1, guid="g"), admit=admit_none
    )
    assert (decision.version, decision.source, decision.task_id) == ("1.0.0", "online", None)
    [(task, verdict)] = decision.checks
    assert (task, verdict.failed, verdict.reason) == (
        8,
        "limit",
        "The limit of 1,000 users is reached.",
    )
    assert decision.reason == (
        "No grayscale task delivers to this launch, so it gets the online version 1.0.0."
    )


def test_a_launch_without_ids_never_enters_a_task_with_a_limit():
    rule = make_rule(task_id=8)
    cohorts = Cohorts()
    decision = choose(
        Candidate("1.0.0", ((rule, 1, "delivering"),)), Context(1), admit=cohorts.admit
    )
    assert decision.source == "online"
    [(_, verdict)] = decision.checks
    assert verdict.failed == "limit" and "cannot be counted" in verdict.reason
    assert cohorts.calls == []
    # without a limit (max_users <= 0) nobody needs counting
    free = choose(Candidate("1.0.0", ((rule, 0, "delivering"),)), Context(1), admit=cohorts.admit)
    assert (free.source, free.version) == ("grayscale", "1.3.0")
    assert cohorts.calls == []


@pytest.mark.parametrize("state", ["pending", "suspended", "ended"])
def test_a_task_that_is_not_delivering_is_never_served(state):
    rule = make_rule(task_id=4)
    cohorts = Cohorts()
    decision = choose(
        Candidate("1.0.0", ((rule, 0, state),)), Context(1, guid="g"), admit=cohorts.admit
    )
    assert (decision.version, decision.source) == ("1.0.0", "online")
    [(task, verdict)] = decision.checks
    assert (task, verdict.failed) == (4, "state")
    assert verdict.reason == f"This task is {state}, so it delivers to nobody."
    assert cohorts.calls == []


def test_grayscale_without_an_online_version():
    rule = make_rule(task_id=4, version="1.0.0", accounts={"a"})
    candidate = Candidate(None, ((rule, 10, "delivering"),))
    assert choose(candidate, Context(1, user_account="a"), admit=admit_all).version == "1.0.0"
    nobody = choose(candidate, Context(1, user_account="b"), admit=admit_all)
    assert (nobody.version, nobody.source) == (None, "none")


def test_the_preview_is_the_runtime_choice():
    rule = make_rule(task_id=5, version="3.0.0", percentage=50)
    candidate = Candidate("2.0.0", ((rule, 2, "delivering"),))
    cohorts = Cohorts()
    for i in range(20):
        context = Context(1, user_account=f"u{i}")
        before = cohorts.snapshot()
        preview = audience_preview(candidate, context, would_admit=cohorts.would_admit)
        assert cohorts.snapshot() == before  # the preview admits nobody
        assert preview == choose(candidate, context, admit=cohorts.admit)
    assert len(cohorts.members[5]) == 2  # the limit held


# --- property tests: preview = runtime, and only delivering tasks are served --------------------

VERSIONS = st.one_of(
    st.just(""),
    st.lists(st.integers(0, 12), min_size=1, max_size=4).map(
        lambda parts: ".".join(map(str, parts))
    ),
    st.sampled_from(["8.2.0-beta", "x", "v9"]),
)
SPANS = st.tuples(VERSIONS, VERSIONS)
ACCOUNTS, DEVICES, GUIDS = ["a1", "a2", "a3"], ["d1", "d2"], ["g1", "g2"]
NETWORKS = ["wifi", "4g", "5g", "unknown"]
STATES = ["delivering", "delivering", "pending", "suspended", "ended"]


def _often_none(strategy: st.SearchStrategy[T], none: T) -> st.SearchStrategy[T]:
    """No condition of this kind half of the time, so that whole rules match often enough."""
    return st.one_of(st.just(none), strategy)


@st.composite
def rules(draw: st.DrawFn, task_id: int, *, targets: bool = True) -> Rule:
    def ids(values: list[str]) -> frozenset[str]:
        if not targets:
            return frozenset()
        return draw(_often_none(st.frozensets(st.sampled_from(values), min_size=1), frozenset()))

    return Rule(
        task_id=task_id,
        version=f"2.{task_id}.0",
        host_app_ranges=draw(
            _often_none(st.dictionaries(st.sampled_from([1, 2]), SPANS, min_size=1), {})
        ),
        platforms=draw(
            _often_none(st.dictionaries(st.sampled_from(["android", "ios"]), SPANS, min_size=1), {})
        ),
        guids=ids(GUIDS),
        device_ids=ids(DEVICES),
        accounts=ids(ACCOUNTS),
        networks=draw(
            _often_none(st.frozensets(st.sampled_from(NETWORKS), min_size=1), frozenset())
        ),
        percentage=draw(
            st.one_of(st.none(), st.sampled_from([0.01, 5, 50, 99.99, 100]), st.floats(0.01, 100))
        ),
    )


@st.composite
def candidates(draw: st.DrawFn, *, targets: bool = True) -> Candidate:
    count = draw(st.integers(0, 4))
    entries = tuple(
        (
            draw(rules(task_id, targets=targets)),
            draw(st.integers(0, 3)),
            draw(st.sampled_from(STATES)),
        )
        for task_id in range(count, 0, -1)  # newest (highest id) first
    )
    return Candidate(draw(st.sampled_from([None, "1.0.0"])), entries)


def _maybe(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.sampled_from(values))  # "" half of the time


CONTEXTS = st.builds(
    Context,
    host_app_id=st.sampled_from([1, 2, 3]),
    host_app_version=VERSIONS,
    platform=_maybe(["android", "ios", "harmonyos"]),
    os_version=VERSIONS,
    guid=_maybe(GUIDS),
    device_id=_maybe(DEVICES),
    user_account=_maybe(ACCOUNTS),
    network=_maybe(NETWORKS),
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(candidates(), st.lists(CONTEXTS, min_size=1, max_size=12))
def test_preview_and_runtime_agree_on_real_admissions(candidate, contexts):
    cohorts = Cohorts()
    for context in contexts:
        before = cohorts.snapshot()
        preview = audience_preview(candidate, context, would_admit=cohorts.would_admit)
        assert cohorts.snapshot() == before
        runtime = choose(candidate, context, admit=cohorts.admit)
        assert preview == runtime


@PROPERTY
@given(candidates(), CONTEXTS, st.dictionaries(st.integers(1, 4), st.booleans()))
def test_preview_and_runtime_agree_whenever_admission_answers_agree(candidate, context, answers):
    def oracle(task_id: int, key: str, max_users: int) -> bool:
        return answers.get(task_id, True)

    recorded: list[int] = []

    def runtime_admit(task_id: int, key: str, max_users: int) -> bool:
        recorded.append(task_id)
        return oracle(task_id, key, max_users)

    preview = audience_preview(candidate, context, would_admit=oracle)
    runtime = choose(candidate, context, admit=runtime_admit)
    assert (preview.version, preview.source, preview.task_id) == (
        runtime.version,
        runtime.source,
        runtime.task_id,
    )
    assert preview == runtime


@PROPERTY
@given(candidates(), CONTEXTS, st.booleans())
def test_choose_serves_only_delivering_matching_admitted_tasks(candidate, context, admitting):
    asked: list[tuple[int, str, int]] = []

    def admit(task_id: int, key: str, max_users: int) -> bool:
        asked.append((task_id, key, max_users))
        return admitting

    decision: Decision = choose(candidate, context, admit=admit)
    by_id = {rule.task_id: (rule, max_users, state) for rule, max_users, state in candidate.rules}
    assert all(key for _, key, _ in asked)  # admission is never asked about nobody
    assert all(by_id[task][2] == "delivering" for task, _, _ in asked)
    looked_at = [task for task, _ in decision.checks]
    assert looked_at == [rule.task_id for rule, _, _ in candidate.rules][: len(looked_at)]
    for task, verdict in decision.checks:
        rule, max_users, state = by_id[task]
        if state != "delivering":
            assert verdict.failed == "state"
        elif not evaluate(rule, context).matched:
            assert verdict == evaluate(rule, context)
    if decision.source == "grayscale":
        rule, max_users, state = by_id[decision.task_id]
        assert state == "delivering"
        assert evaluate(rule, context).matched
        assert decision.version == rule.version
        assert decision.checks[-1] == (decision.task_id, evaluate(rule, context))
        assert all(not verdict.matched for _, verdict in decision.checks[:-1])
        if not user_key(context):
            assert max_users <= 0 and (rule.percentage in (None, 100))
        else:
            assert asked[-1] == (decision.task_id, user_key(context), max_users)
    else:
        assert decision.task_id is None
        assert decision.version == candidate.online_version
        assert decision.source == ("online" if candidate.online_version else "none")
        assert all(not verdict.matched for _, verdict in decision.checks)
        assert len(decision.checks) == len(candidate.rules)


# --- target lists -------------------------------------------------------------------------------


def test_parse_target_list_skips_blanks_strips_and_collapses_duplicates():
    text = "\ufeffa1\r\n\r\n  b2  \na1\n\n\tc3\nb2\n"
    assert parse_target_list(text, kind="account") == (["a1", "b2", "c3"], [])
    assert parse_target_list("", kind="guid") == ([], [])


def test_parse_target_list_reports_bad_lines_by_number():
    text = "\n".join(
        [
            "ok-1",
            "two words",
            "x" * 129,
            "y" * 128,
            "tab\tinside",
            "zero\u200bwidth",
            "ok-1",
            "bell\x07",
        ]
    )
    values, errors = parse_target_list(text, kind="device_id")
    assert values == ["ok-1", "y" * 128]
    assert errors == [
        (2, "This device id contains a space; put one value on each line."),
        (3, "This device id has 129 characters; at most 128 are allowed."),
        (5, "This device id contains an invisible or control character (U+0009); remove it."),
        (6, "This device id contains an invisible or control character (U+200B); remove it."),
        (8, "This device id contains an invisible or control character (U+0007); remove it."),
    ]
    wide = parse_target_list("中文\u3000账号\n用户", kind="account")
    assert wide == (["用户"], [(1, "This account contains a space; put one value on each line.")])


def test_parse_target_list_refuses_more_than_the_line_limit():
    over = "\n".join(f"g{i}" for i in range(100_001))
    values, errors = parse_target_list(over, kind="guid")
    assert values == []
    assert errors == [
        (
            100_001,
            "The list has 100,001 lines; at most 100,000 are allowed. Split it into smaller lists.",
        )
    ]
    assert parse_target_list("a\nb\nc\n", kind="guid", max_lines=2)[1][0][0] == 3
    assert parse_target_list("a\nb\n", kind="guid", max_lines=2) == (["a", "b"], [])


def test_parse_target_list_takes_a_full_100000_line_upload():
    text = "".join(f"1380000{i:05d}\n" for i in range(100_000))
    values, errors = parse_target_list(text, kind="account")
    assert errors == []
    assert len(values) == 100_000
    assert values[0] == "138000000000" and values[-1] == "138000099999"


def test_parse_target_list_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown target kind"):
        parse_target_list("a", kind="email")


@PROPERTY
@given(candidates(targets=False), CONTEXTS)
def test_a_launch_without_ids_enters_no_task_with_a_limit_or_a_bucket(candidate, context):
    keyless = replace(context, guid="", device_id="", user_account="")
    asked: list[int] = []

    def admit(task_id: int, key: str, max_users: int) -> bool:
        asked.append(task_id)
        return True

    decision = choose(candidate, keyless, admit=admit)
    assert asked == []  # nobody to count
    served = {rule.task_id: (rule, max_users) for rule, max_users, _ in candidate.rules}
    if decision.source == "grayscale":
        rule, max_users = served[decision.task_id]
        assert max_users <= 0 and rule.percentage in (None, 100)
    for task, verdict in decision.checks:
        rule, max_users = served[task]
        if verdict.failed == "limit":
            assert max_users > 0 and "cannot be counted" in verdict.reason
