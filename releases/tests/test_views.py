"""The version pages of the console: the role matrix of every page and action, the versions
list (and its query count), a version's page and its live status, retry and restart, the diff,
the trial version and the downloads. Uploading through the page: test_views_upload.py.

The pipeline runs in-process (eager tasks; on-commit callbacks executed where a test captures
them), so a version uploaded in a fixture is ready, with its artifacts and quality report.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.tests.factories import create_miniprogram
from releases.models import Artifact, PackageJob, TrialVersion, Version
from releases.services.trial import trial_configure
from releases.services.versions import LARGE_WARNING, version_restart_quality
from releases.tests.factories import GOOD, team, upload_version
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import AuditEvent, Workspace
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]
DEVELOPERS = frozenset({"owner", "admin", "developer"})  # the developer is assigned
VIEWERS = DEVELOPERS | {"reviewer"}

BROKEN = zip_bytes(with_files({"pages/cart/index.js": None}))  # app.json lists it
MISSING_CART = "“pages/cart/index.js” is listed in app.json but missing from the package."
# A package the quality review has things to say about (and a bigger main package).
FLAGGED = zip_bytes(
    with_files(
        {
            "pages/index/index.js": b"Page({});\neval('1 + 1');\n",
            "pages/cart/index.js": b"Page({});\ndebugger;\n",
            "pages/cart/copy.js": b"Page({});\ndebugger;\n",
            "assets/new.txt": b"new file\n",
        }
    )
)

ONE_PAGE = zip_bytes(
    {"app.json": b'{"pages": ["pages/index/index"]}', "pages/index/index.js": b"1;"}
)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    tenant = WorkspaceFactory(name="Acme", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant, titled=False)
    owner = people["owner"]
    mp = create_miniprogram(owner, name="Acme Shop")
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    capture = django_capture_on_commit_callbacks
    ready = upload_version(owner, mp, "1.0.0", GOOD, capture, notes="First release candidate")
    failed = upload_version(owner, mp, "1.1.0", BROKEN, capture)
    trial_configure(actor=owner, miniprogram=mp, version=ready, page_path="pages/index/index")

    other = WorkspaceFactory(name="Globex", slug="globex", kind=Workspace.Kind.TENANT)
    outsider = MembershipFactory(
        workspace=other, role="owner", user=UserFactory(email="out@globex.test")
    )
    return SimpleNamespace(
        tenant=tenant,
        people=people,
        owner=owner,
        mp=mp,
        ready=ready,
        failed=failed,
        outsider=outsider,
        capture=capture,
    )


def url(world, name: str, *args: Any, mp=None) -> str:
    mp = mp or world.mp
    return reverse(f"releases:{name}", args=[mp.workspace.slug, mp.app_id, *args])


def login(client, world, who: str):
    if who == "anonymous":
        return None
    member = world.outsider if who == "outsider" else world.people[who]
    client.force_login(member.user)
    return member


def content_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# --- the role matrix ---------------------------------------------------------------------------


def _audits(verb: str) -> Callable[[Any], int]:
    return lambda w: AuditEvent.objects.filter(verb=verb).count()


def _trial(w) -> tuple[str, str] | None:
    trial = TrialVersion.objects.filter(miniprogram=w.mp).first()
    return (trial.version.number, trial.page_path, trial.query) if trial else None


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[Any], str]
    allowed: frozenset[str]
    status: int = 200
    data: dict[str, str] | None = None
    # What the call may change (None for reads): it changes exactly when allowed.
    state: Callable[[Any], Any] | None = None

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("versions", "get", lambda w: url(w, "versions"), VIEWERS),
    Case("upload page", "get", lambda w: url(w, "upload"), DEVELOPERS),
    Case("version", "get", lambda w: url(w, "version", "1.0.0"), VIEWERS),
    Case("version status", "get", lambda w: url(w, "version-status", "1.0.0"), VIEWERS),
    Case("diff", "get", lambda w: url(w, "version-diff", "1.1.0"), VIEWERS),
    Case("package", "get", lambda w: url(w, "version-package", "1.0.0"), VIEWERS),
    Case("artifact", "get", lambda w: url(w, "version-artifact", "1.0.0", "complete"), VIEWERS),
    Case("trial page", "get", lambda w: url(w, "trial"), VIEWERS),
    Case(
        "retry scan",
        "post",
        lambda w: url(w, "version-retry-scan", "1.1.0"),
        DEVELOPERS,
        status=302,
        state=_audits("version.scanning"),
    ),
    Case(
        "restart quality",
        "post",
        lambda w: url(w, "version-restart-quality", "1.0.0"),
        DEVELOPERS,
        status=302,
        state=_audits("version.quality_restart"),
    ),
    Case(
        "trial set",
        "post",
        lambda w: url(w, "trial"),
        DEVELOPERS,
        status=302,
        data={"version": "1.0.0", "page_path": "pages/cart/index", "query": "a=1"},
        state=_trial,
    ),
    Case("trial clear", "post", lambda w: url(w, "trial-clear"), DEVELOPERS, 302, state=_trial),
]


def _expected(case: Case, who: str) -> int:
    if who == "anonymous":
        return 302  # to the sign-in page
    if who in ("outsider", "unassigned"):
        return 404  # a developer never learns about mini programs they are not assigned to
    return case.status if who in case.allowed else 403


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_matrix(client, world, case, who):
    login(client, world, who)
    before = case.state(world) if case.state else None

    response = getattr(client, case.method)(case.path(world), case.data or {})

    expected = _expected(case, who)
    assert response.status_code == expected, (who, content_of(response)[:300])
    if who == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    if case.state is not None:
        changed = case.state(world) != before
        assert changed == (expected == case.status and who in case.allowed), who


@pytest.mark.parametrize("who", ["owner", "developer"])
def test_actions_answer_get_with_405(client, world, who):
    login(client, world, who)
    for name, args in [
        ("version-retry-scan", ["1.1.0"]),
        ("version-restart-quality", ["1.0.0"]),
        ("trial-clear", []),
    ]:
        assert client.get(url(world, name, *args)).status_code == 405, name


def test_another_workspaces_version_is_404_under_my_slug_and_an_unknown_number_too(client, world):
    theirs = create_miniprogram(world.outsider, name="Globex Pay")
    upload_version(world.outsider, theirs, "3.0.0", GOOD, world.capture)
    client.force_login(world.owner.user)
    mine_slug_their_app = reverse("releases:version", args=["acme", theirs.app_id, "3.0.0"])

    assert client.get(mine_slug_their_app).status_code == 404
    assert client.get(url(world, "version", "9.9.9")).status_code == 404
    assert client.get(url(world, "version-package", "9.9.9")).status_code == 404


# --- the versions list -------------------------------------------------------------------------


def test_versions_tab_lists_versions_highest_first_with_status_size_and_quality(client, world):
    flagged = upload_version(
        world.owner, world.mp, "1.2.0", FLAGGED, world.capture, notes="Cart fixes"
    )
    scanning = upload_version(world.owner, world.mp, "1.3.0", GOOD)  # its jobs are left queued
    client.force_login(world.people["reviewer"].user)

    response = client.get(url(world, "versions"))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.version.number for r in rows] == ["1.3.0", "1.2.0", "1.1.0", "1.0.0"]
    by_number = {r.version.number: r for r in rows}
    assert (by_number["1.3.0"].tone, by_number["1.3.0"].step) == ("blue", "Scanning")
    assert (by_number["1.2.0"].warnings, by_number["1.2.0"].infos) == (3, 1)
    assert by_number["1.1.0"].tone == "red"
    assert by_number["1.0.0"].tone == "green" and by_number["1.0.0"].findings == 0
    body = response.content.decode()
    assert MISSING_CART[:40] in body  # the failure, shortened in the table
    assert "Cart fixes" in body and "First release candidate" in body
    assert "Scanning · 0%" in body and "Some versions are still being scanned." in body
    assert response.context["development"].version == scanning
    # In review and online: nothing submitted yet (the Releases tab's tests cover the rest).
    assert "data-strip-review" in body and "Not online" in body
    assert "pages/index/index" in body  # the trial version in the strip
    assert "Upload version" not in body  # a Reviewer reads but does not upload
    assert flagged.is_large is False


def _row_tags(body: str) -> dict[str, str]:
    """Each versions-table row's opening tag, by version number."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr data-version="([^"]+)"[^>]*>', body)}


def test_rows_in_progress_carry_their_status_url_for_the_list_script(client, world):
    upload_version(world.owner, world.mp, "1.3.0", GOOD)  # its jobs are left queued
    version_restart_quality(actor=world.owner, version=world.ready)  # queued, not run
    client.force_login(world.people["reviewer"].user)

    response = client.get(url(world, "versions"))

    body = response.content.decode()
    rows = _row_tags(body)
    assert set(rows) == {"1.3.0", "1.1.0", "1.0.0"}
    scanning = url(world, "version-status", "1.3.0")
    assert f'data-status-url="{scanning}"' in rows["1.3.0"]
    assert 'data-signature="scanning|scan:queued,build:pending,quality:pending"' in rows["1.3.0"]
    reviewing = url(world, "version-status", "1.0.0")  # ready, its review queued again
    assert f'data-status-url="{reviewing}"' in rows["1.0.0"]
    assert 'data-signature="ready|scan:done,build:done,quality:queued"' in rows["1.0.0"]
    assert "data-status-url" not in rows["1.1.0"]  # failed: nothing changes by itself
    assert body.count("data-status-url") == 2
    assert '<script src="/static/releases/versions.js" defer></script>' in body
    assert "data-versions-notice" in body and "data-refresh-link" in body  # no JS: the link
    assert "Some versions are still being scanned." in body
    assert '<span class="muted small" data-stage-text>Scanning · 0%</span>' in body


def test_the_list_notice_names_running_reviews_and_is_gone_when_nothing_runs(client, world):
    client.force_login(world.owner.user)
    body = client.get(url(world, "versions")).content.decode()
    assert "data-status-url" not in body and "data-versions-notice" not in body
    assert "releases/versions.js" in body  # it stops at once when no row is in progress

    version_restart_quality(actor=world.owner, version=world.ready)
    body = client.get(url(world, "versions")).content.decode()
    assert "Some quality reviews are still running." in body
    assert "Some versions are still being scanned." not in body
    assert body.count("data-status-url") == 1


def test_a_large_version_has_the_amber_badge_in_the_list(client, world, monkeypatch):

    # The threshold sits just above the world's packages: only the bigger 2.0.0 is large.
    monkeypatch.setattr("releases.models.LARGE_PACKAGE", len(GOOD) + 1)
    bigger = zip_bytes(with_files({"assets/extra.bin": bytes(range(256)) * 8}))
    upload_version(world.owner, world.mp, "2.0.0", bigger, world.capture)
    client.force_login(world.owner.user)

    body = client.get(url(world, "versions")).content.decode()

    assert body.count('<span class="badge badge-amber" title="8 MB or more') == 1


def test_empty_versions_tab_says_how_to_upload_and_offers_it_to_developers(client, world):
    empty = create_miniprogram(world.owner, name="Acme Empty")
    miniprogram_developer_assign(
        actor=world.owner, miniprogram=empty, user_id=world.people["developer"].user_id
    )
    client.force_login(world.people["developer"].user)

    body = client.get(url(world, "versions", mp=empty)).content.decode()

    assert "No versions yet — upload one from the IDE, the CLI (<code>mpp upload …</code>)" in body
    assert f"mpp upload --app-id {empty.app_id}" in body
    assert url(world, "upload", mp=empty) in body

    client.force_login(world.people["reviewer"].user)
    body = client.get(url(world, "versions", mp=empty)).content.decode()
    assert "No versions yet" in body and url(world, "upload", mp=empty) not in body


def _bulk_versions(world, start: int, count: int) -> None:
    """Versions with all three jobs (the review with findings), without running a pipeline."""
    versions = Version.objects.bulk_create(
        Version(
            workspace=world.tenant,
            miniprogram=world.mp,
            number=f"5.{n}.0",
            major=5,
            minor=n,
            patch=0,
            status=Version.Status.READY,
            package="packages/x/y.zip",
            package_size=1000 + n,
            package_sha256="0" * 64,
            uploaded_by=world.owner.user,
        )
        for n in range(start, start + count)
    )
    report = {"summary": {"warnings": 2, "infos": 1, "by_rule": {}, "scripts_searched": 3}}
    PackageJob.objects.bulk_create(
        PackageJob(
            version=v, kind=kind, state="succeeded", result=report if kind == "quality" else {}
        )
        for v in versions
        for kind in ("scan", "build", "quality")
    )


def test_versions_list_query_count_does_not_grow_with_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.people["developer"].user)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url(world, "versions")).context["rows"]) == 2
    _bulk_versions(world, 0, 60)

    with django_assert_max_num_queries(len(few)):
        response = client.get(url(world, "versions"))

    rows = response.context["rows"]
    assert len(rows) == 50 and response.context["page_obj"].paginator.count == 62
    assert (rows[0].version.number, rows[0].warnings, rows[0].infos) == ("5.59.0", 2, 1)
    page_two = client.get(url(world, "versions"), {"page": 2}).context
    assert [r.version.number for r in page_two["rows"]][-2:] == ["1.1.0", "1.0.0"]
    assert page_two["development"].version.number == "5.59.0"


# --- one version -------------------------------------------------------------------------------


def test_version_page_shows_timeline_sizes_downloads_quality_and_audit(client, world):
    version = upload_version(
        world.owner, world.mp, "1.2.0", FLAGGED, world.capture, notes="Cart fixes"
    )
    client.force_login(world.people["reviewer"].user)

    response = client.get(url(world, "version", "1.2.0"))

    assert response.status_code == 200
    ctx = response.context
    assert [(s.label, s.state) for s in ctx["steps"]] == [
        ("Uploaded", "done"),
        ("Scanned", "done"),
        ("Built", "done"),
        ("Quality reviewed", "done"),
    ]
    assert ctx["steps"][0].who == "owner" and ctx["steps"][2].who == "MPP worker"
    assert not ctx["is_active"]
    body = response.content.decode()
    assert "Cart fixes" in body and "data-refresh-link" not in body
    assert [bar.label for bar in ctx["sizes"].bars] == ["Main package", "packageA/"]
    assert all(not bar.is_over for bar in ctx["sizes"].bars)
    rules = {g.rule: g for g in ctx["groups"]}
    assert rules["eval"].level == "warning" and rules["debugger"].count == 2
    assert rules["duplicate_file"].tone == "neutral"  # a note: grey, as UI.md says
    assert "index.js line 2 builds code from a string" in body
    for kind, root in [("complete", ""), ("main", ""), ("subpackage", "packageA/")]:
        link = url(world, "version-artifact", "1.2.0", kind) + ("?root=packageA/" if root else "")
        assert link in body
    assert url(world, "version-package", "1.2.0") in body
    assert url(world, "version-diff", "1.2.0") in body
    verbs = [row.event.verb for row in ctx["audit_rows"]]
    assert verbs == ["version.ready", "version.scanning", "version.upload"]  # newest first
    assert all(row.event.target_id == str(version.pk) for row in ctx["audit_rows"])
    assert "Restart quality review" not in body  # a Reviewer reads only


def test_version_page_of_a_failed_scan_says_why_and_offers_a_retry_to_developers(client, world):
    client.force_login(world.people["developer"].user)
    body = client.get(url(world, "version", "1.1.0")).content.decode()
    assert MISSING_CART in body
    assert url(world, "version-retry-scan", "1.1.0") in body and "Retry scan" in body

    client.force_login(world.people["reviewer"].user)
    body = client.get(url(world, "version", "1.1.0")).content.decode()
    assert MISSING_CART in body and "Retry scan" not in body


def test_version_page_while_scanning_polls_and_offers_a_refresh_link(client, world):
    upload_version(world.owner, world.mp, "2.0.0", GOOD)  # on-commit not run: the scan stays queued
    client.force_login(world.owner.user)

    response = client.get(url(world, "version", "2.0.0"))

    body = response.content.decode()
    assert response.context["is_active"]
    assert "data-active" in body and "data-refresh-link" in body
    assert url(world, "version-status", "2.0.0") in body
    assert 'data-signature="scanning|scan:queued,build:pending,quality:pending"' in body
    steps = {s.kind: s for s in response.context["steps"]}
    assert steps["scan"].state == "queued" and steps["scan"].detail == "Waiting for a worker."


def test_status_json_follows_the_jobs(client, world):
    version = upload_version(world.owner, world.mp, "2.0.0", GOOD)
    client.force_login(world.people["reviewer"].user)

    queued = client.get(url(world, "version-status", "2.0.0")).json()
    PackageJob.objects.filter(version=version, kind="scan").update(
        state="running", progress=40, lease_expires_at="2099-01-01T00:00:00Z"
    )
    running = client.get(url(world, "version-status", "2.0.0")).json()
    done = client.get(url(world, "version-status", "1.0.0")).json()
    failed = client.get(url(world, "version-status", "1.1.0")).json()

    assert queued["status"] == "scanning" and queued["active"] is True
    assert queued["stage"] == {"label": "Scanning", "progress": 0}  # the list's status cell
    assert running["stage"] == {"label": "Scanning", "progress": 40}
    assert done["stage"] is None and failed["stage"] is None
    assert queued["steps"][0] == {
        "kind": "scan",
        "state": "queued",
        "state_label": "Queued",
        "tone": "blue",
        "progress": 0,
    }
    assert [s["state"] for s in queued["steps"]] == ["queued", "pending", "pending"]
    assert running["steps"][0]["state"] == "running" and running["steps"][0]["progress"] == 40
    assert done["active"] is False and [s["state"] for s in done["steps"]] == ["done"] * 3
    assert (done["status_label"], done["tone"]) == ("Ready", "green")
    assert failed["failure"] == MISSING_CART and failed["steps"][0]["state"] == "failed"
    assert failed["tone"] == "red"


def test_retry_scan_rescans_and_says_so(client, world):
    client.force_login(world.people["developer"].user)
    with world.capture(execute=True):
        response = client.post(url(world, "version-retry-scan", "1.1.0"), follow=True)

    assert response.redirect_chain[-1][0] == url(world, "version", "1.1.0")
    assert "Version 1.1.0 is being scanned again." in response.content.decode()
    world.failed.refresh_from_db()
    assert world.failed.status == Version.Status.SCAN_FAILED  # the package is still broken
    scanning = AuditEvent.objects.filter(verb="version.scanning", target_id=str(world.failed.pk))
    assert scanning.count() == 2 and scanning.first().after["note"] == "retry"
    steps = response.context["steps"]
    assert steps[1].who == "retried by developer"


def test_retry_scan_of_a_ready_version_is_refused_with_the_services_words(client, world):
    client.force_login(world.owner.user)
    response = client.post(url(world, "version-retry-scan", "1.0.0"), follow=True)
    assert "Only a version whose scan failed can be scanned again." in response.content.decode()
    world.ready.refresh_from_db()
    assert world.ready.status == Version.Status.READY


def test_restart_quality_queues_the_review_again_and_names_who(client, world):
    client.force_login(world.people["admin"].user)
    response = client.post(url(world, "version-restart-quality", "1.0.0"), follow=True)

    body = response.content.decode()
    assert "The quality review of version 1.0.0 started again." in body
    job = PackageJob.objects.get(version=world.ready, kind="quality")
    assert job.state == PackageJob.State.QUEUED
    quality = response.context["steps"][-1]
    assert (quality.state, quality.who) == ("queued", "restarted by admin")
    assert "The review is running" in body


def test_restart_quality_of_a_failed_version_is_refused(client, world):
    client.force_login(world.owner.user)
    response = client.post(url(world, "version-restart-quality", "1.1.0"), follow=True)
    assert "The quality review runs once the package is scanned and built." in (
        response.content.decode()
    )
    assert not AuditEvent.objects.filter(verb="version.quality_restart").exists()


# --- downloads ---------------------------------------------------------------------------------


def test_downloads_stream_the_package_and_each_built_file(client, world):
    client.force_login(world.people["reviewer"].user)
    app_id = world.mp.app_id

    package = client.get(url(world, "version-package", "1.0.0"))
    complete = client.get(url(world, "version-artifact", "1.0.0", "complete"))
    sub = client.get(url(world, "version-artifact", "1.0.0", "subpackage"), {"root": "packageA/"})
    index = client.get(url(world, "version-artifact", "1.0.0", "index"))
    missing = client.get(url(world, "version-artifact", "1.0.0", "subpackage"), {"root": "nope/"})

    assert content_of(package) == GOOD
    assert package["Content-Disposition"] == f'attachment; filename="{app_id}_1.0.0.zip"'
    assert package["ETag"] == f'"{hashlib.sha256(GOOD).hexdigest()}"'
    stored = {a.kind + a.root: a for a in Artifact.objects.filter(version=world.ready)}
    assert hashlib.sha256(content_of(complete)).hexdigest() == stored["complete"].sha256
    assert f"{app_id}_1.0.0_subpackage_packageA.zip" in sub["Content-Disposition"]
    assert hashlib.sha256(content_of(sub)).hexdigest() == stored["subpackagepackageA/"].sha256
    assert index["Content-Type"] == "application/json" and json.loads(content_of(index))
    assert missing.status_code == 404


# --- the diff ----------------------------------------------------------------------------------


def test_diff_against_the_previous_version_lists_files_and_part_sizes(client, world):
    upload_version(world.owner, world.mp, "1.2.0", FLAGGED, world.capture)
    client.force_login(world.people["reviewer"].user)

    response = client.get(url(world, "version-diff", "1.2.0"))

    ctx = response.context
    assert ctx["against"].number == "1.1.0"  # the version before, whatever its status
    diff = ctx["diff"]
    assert [c.path for c in diff.added] == [
        "assets/new.txt",
        "pages/cart/copy.js",
        "pages/cart/index.js",
    ]
    assert [c.path for c in diff.changed] == ["pages/index/index.js"]
    assert [p.label for p in ctx["parts"]] == ["Main package", "packageA/"]
    main = ctx["parts"][0]
    assert main.delta > 0 and main.delta_label.startswith("+")
    assert ctx["parts"][1].delta_label == "0 B"
    body = response.content.decode()
    assert "assets/new.txt" in body and "Size per part" in body
    # A count of nothing is neutral (UI.md): "Removed 0" is not shown in red.
    assert 'Removed</h2><p class="strip-value muted">0</p>' in body
    assert '<p class="strip-value diff-added">3</p>' in body


def test_diff_against_a_chosen_version_and_the_first_version(client, world):
    upload_version(world.owner, world.mp, "1.2.0", FLAGGED, world.capture)
    client.force_login(world.owner.user)

    chosen = client.get(url(world, "version-diff", "1.2.0"), {"against": "1.0.0"}).context
    first = client.get(url(world, "version-diff", "1.0.0"))

    assert chosen["against"].number == "1.0.0"
    assert [c.path for c in chosen["diff"].added] == ["assets/new.txt", "pages/cart/copy.js"]
    assert [c[0] for c in chosen["form"].fields["against"].choices] == ["", "1.1.0", "1.0.0"]
    assert first.context["against"] is None
    assert "1.0.0 is the first version" in first.content.decode()


def test_diff_with_an_unreadable_package_says_so(client, world):
    # A zip's end record (the upload takes it) naming a central directory that is not there.
    end = b"PK\x05\x06" + bytes(4) + b"\x01\0\x01\0.\0\0\0" + bytes(6)
    damaged = b"this is not a zip file" + end
    upload_version(world.owner, world.mp, "2.0.0", damaged, world.capture)
    client.force_login(world.owner.user)

    response = client.get(url(world, "version-diff", "2.0.0"))

    assert response.status_code == 200
    assert "not a readable zip file" in response.content.decode()


# --- the trial version -------------------------------------------------------------------------


def test_trial_page_explains_the_whitelist_and_offers_the_ready_versions_pages(client, world):
    miniprogram_testers_add(actor=world.owner, miniprogram=world.mp, accounts=["t1", "t2"])
    upload_version(world.owner, world.mp, "1.2.0", FLAGGED, world.capture)
    client.force_login(world.people["developer"].user)

    response = client.get(url(world, "trial"))

    body = response.content.decode()
    assert "Only whitelisted testers can open the trial version." in body
    assert "2 testers are on the whitelist" in body
    assert reverse("miniprograms:members", args=["acme", world.mp.app_id]) + "#testers" in body
    form = response.context["form"]
    assert [c[0] for c in form.fields["version"].choices] == ["1.2.0", "1.0.0"]  # ready only
    groups = dict(form.fields["page_path"].choices)
    assert [p for p, _label in groups["1.0.0"]] == [
        "pages/index/index",
        "pages/cart/index",
        "packageA/pages/detail/index",
    ]
    assert form.initial == {"version": "1.0.0", "page_path": "pages/index/index", "query": ""}
    assert "<code>pages/index/index</code>" in body and "Stop the trial" in body


def test_reviewer_reads_the_trial_version_without_the_form(client, world):
    client.force_login(world.people["reviewer"].user)
    body = client.get(url(world, "trial")).content.decode()
    assert "<code>pages/index/index</code>" in body
    assert "Save trial version" not in body and "Stop the trial" not in body


def test_setting_the_trial_version_says_what_testers_open(client, world):
    client.force_login(world.people["developer"].user)
    data = {"version": "1.0.0", "page_path": "packageA/pages/detail/index", "query": "?id=7"}

    response = client.post(url(world, "trial"), data, follow=True)

    assert "Whitelisted testers now open version 1.0.0 at packageA/pages/detail/index?id=7." in (
        response.content.decode()
    )
    trial = TrialVersion.objects.get(miniprogram=world.mp)
    assert (trial.page_path, trial.query, trial.updated_by) == (
        "packageA/pages/detail/index",
        "id=7",
        world.people["developer"].user,
    )


def test_trial_errors_come_back_on_the_fields_with_the_input_kept(client, world):
    upload_version(world.owner, world.mp, "1.2.0", ONE_PAGE, world.capture)
    client.force_login(world.owner.user)
    # A page of 1.0.0 but not of 1.2.0, and a query that does not parse.
    data = {"version": "1.2.0", "page_path": "pages/cart/index", "query": "a=1&&=x"}

    response = client.post(url(world, "trial"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["page_path"] == [
        "“pages/cart/index” is not a page of version 1.2.0; its pages: pages/index/index."
    ]
    assert TrialVersion.objects.get(miniprogram=world.mp).version == world.ready  # unchanged
    response = client.post(url(world, "trial"), {**data, "page_path": "pages/index/index"})
    assert response.context["form"].errors["query"] == [
        "“a=1&&=x” is not a query string like a=1&b=2."
    ]
    assert 'value="a=1&amp;&amp;=x"' in response.content.decode()
    not_ready = client.post(url(world, "trial"), {**data, "version": "1.1.0"})
    assert "version" in not_ready.context["form"].errors  # a failed version is not offered


def test_clearing_the_trial_version(client, world):
    client.force_login(world.owner.user)
    response = client.post(url(world, "trial-clear"), follow=True)
    body = response.content.decode()
    assert "Testers can no longer open a trial version." in body
    assert "No trial version is set" in body
    assert not TrialVersion.objects.filter(miniprogram=world.mp).exists()
    assert AuditEvent.objects.filter(verb="miniprogram.trial_clear").count() == 1


# --- the mini program's pages link here --------------------------------------------------------


def test_versions_tab_is_active_and_the_overview_names_the_newest_ready_version(client, world):
    client.force_login(world.people["developer"].user)
    versions_url = url(world, "versions")

    tab = client.get(versions_url).content.decode()
    overview = client.get(reverse("miniprograms:detail", args=["acme", world.mp.app_id]))

    assert f'<a href="{versions_url}" aria-current="page">Versions</a>' in tab
    body = overview.content.decode()
    assert f'<a href="{versions_url}">Versions</a>' in body
    assert "Newest ready version:" in body and url(world, "version", "1.0.0") in body
    # Never released: the release row says so (no "Last released" beside "None yet").
    assert 'badge badge-neutral">Not released' in body and "Last released" not in body


def test_overview_without_a_ready_version_says_so(client, world):
    empty = create_miniprogram(world.owner, name="Acme Empty")
    client.force_login(world.owner.user)
    body = client.get(reverse("miniprograms:detail", args=["acme", empty.app_id])).content
    assert b"No version uploaded yet." in body  # and the first upload is offered
    assert reverse("releases:upload", args=["acme", empty.app_id]).encode() in body


def test_large_versions_show_the_warning_on_their_page(client, world, monkeypatch):

    monkeypatch.setattr("releases.models.LARGE_PACKAGE", 100)
    upload_version(world.owner, world.mp, "2.0.0", GOOD, world.capture)
    client.force_login(world.owner.user)
    body = client.get(url(world, "version", "2.0.0")).content.decode()
    assert LARGE_WARNING in body and "Large package" in body
