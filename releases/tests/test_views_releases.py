"""The release pages of the console: the Releases tab (matrix, actions, history), submitting a
version for review, the Versions tab's strip and "Releases" column, a version's release
timeline and the mini program Overview's online version (issue 10).

Role matrices for every page and POST; refusals of the services (off shelf, two rollbacks in a
row, a busy target) shown as messages or by field; query counts that do not grow with the rows.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from miniprograms.models import MiniProgramHostApp
from miniprograms.services.host_apps import miniprogram_set_host_apps
from miniprograms.services.lifecycle import miniprogram_set_shelf, miniprogram_take_offline
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget, Version
from releases.release.services import (
    TWO_ROLLBACKS,
    release_publish,
    release_rollback,
    release_submit,
)
from releases.tests.factories import team, upload_version
from workspaces.models import Workspace
from workspaces.services.approvals import approval_approve, approval_reject
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

S = Release.State
PROD = ReleaseTarget.Environment.PRODUCTION
SANDBOX = ReleaseTarget.Environment.SANDBOX
WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]


def ready(actor, mp, number: str, notes: str = "") -> Version:
    """A version through the upload service, then marked ready (the pipeline is tested
    elsewhere)."""
    version = upload_version(actor, mp, number, notes=notes)
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    return version


@pytest.fixture
def world():
    tenant = WorkspaceFactory(name="Acme Super App", slug="acme", kind=Workspace.Kind.TENANT)
    people = team(tenant)
    owner = people["owner"]
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    lite, _ = host_app_create(actor=owner, name="Acme Lite", platforms={"ios": "a.l"})
    mp = create_miniprogram(owner, name="Acme Shop", host_app_ids=[wallet.pk, lite.pk])
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    v1 = ready(owner, mp, "1.0.0", notes="First candidate")
    v2 = ready(owner, mp, "1.1.0")
    other = WorkspaceFactory(name="Globex", slug="globex", kind=Workspace.Kind.TENANT)
    outsider = MembershipFactory(
        workspace=other, role="owner", user=UserFactory(email="out@globex.test")
    )
    return SimpleNamespace(
        tenant=tenant,
        people=people,
        owner=owner,
        wallet=wallet,
        lite=lite,
        mp=mp,
        v1=v1,
        v2=v2,
        outsider=outsider,
    )


def url(world, name: str, *args: Any) -> str:
    return reverse(f"releases:{name}", args=[world.tenant.slug, world.mp.app_id, *args])


def login(client, world, who: str):
    if who == "anonymous":
        return None
    member = world.outsider if who == "outsider" else world.people[who]
    client.force_login(member.user)
    return member


def submit(world, version, app, environment=SANDBOX, who="owner", notes="") -> Release:
    (release,) = release_submit(
        actor=world.people[who],
        version=version,
        host_app_ids=[app.pk],
        environment=environment,
        notes=notes,
    )
    return release


def online(world, version, app, environment=SANDBOX) -> Release:
    """Submit (approved by the reviewer in production) and publish ``version`` on ``app``."""
    release = submit(world, version, app, environment)
    if release.approval_id:
        approval_approve(actor=world.people["reviewer"], request_id=release.approval_id)
    return release_publish(actor=world.owner, release_id=release.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response) -> list[str]:
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


# --- role matrices: pages -----------------------------------------------------------------------

READERS = {"owner": 200, "admin": 200, "reviewer": 200, "developer": 200}
SUBMITTERS = {"owner": 200, "admin": 200, "reviewer": 403, "developer": 200}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("page", "allowed"), [("releases", READERS), ("version-submit", SUBMITTERS)]
)
def test_release_pages_role_matrix(client, world, who, page, allowed):
    login(client, world, who)
    args = ["1.1.0"] if page == "version-submit" else []
    response = client.get(url(world, page, *args))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        # An unassigned Developer does not see the mini program; another workspace's Owner
        # does not see the workspace: both 404, the same answer as a missing page.
        assert response.status_code == allowed.get(who, 404)


def test_submit_page_of_a_missing_version_is_404(client, world):
    login(client, world, "owner")
    assert client.get(url(world, "version-submit", "9.9.9")).status_code == 404


# --- role matrices: POSTs ----------------------------------------------------------------------

ADMINS = {"owner": 302, "admin": 302, "reviewer": 403, "developer": 403}
DEVELOPERS = {"owner": 302, "admin": 302, "reviewer": 403, "developer": 302}


def _submit_post(world, who):
    data = {"environment": SANDBOX, "host_app_ids": [world.wallet.pk], "notes": f"by {who}"}
    return url(world, "version-submit", "1.1.0"), data, lambda: Release.objects.count() == 1


def _publish_post(world, who):
    release = submit(world, world.v2, world.wallet)
    return (
        url(world, "release-publish", release.pk),
        {},
        lambda: Release.objects.get(pk=release.pk).state == S.RELEASED,
    )


def _withdraw_post(world, who):
    release = submit(world, world.v2, world.wallet, PROD, who="developer")
    return (
        url(world, "release-withdraw", release.pk),
        {},
        lambda: Release.objects.get(pk=release.pk).state == S.WITHDRAWN,
    )


def _rollback_post(world, who):
    online(world, world.v1, world.wallet)
    current = online(world, world.v2, world.wallet)
    return (
        url(world, "target-rollback", current.target_id),
        {},
        lambda: Release.objects.filter(kind=Release.Kind.ROLLBACK).count() == 1,
    )


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        (_submit_post, DEVELOPERS),
        (_publish_post, ADMINS),
        (_withdraw_post, DEVELOPERS),
        (_rollback_post, ADMINS),
    ],
    ids=["submit", "publish", "withdraw", "rollback"],
)
def test_release_posts_role_matrix(client, world, who, action, allowed):
    target_url, data, done = action(world, who)
    login(client, world, who)
    response = client.post(target_url, data)
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        expected = 302
    else:
        expected = allowed.get(who, 404)
        assert response.status_code == expected
    assert done() is (expected == 302 and who != "anonymous")
    if expected == 403:
        assert b"ask" in response.content.lower() or b"role" in response.content.lower()


def test_actions_answer_404_for_a_release_of_another_mini_program(client, world):
    other = create_miniprogram(world.owner, name="Acme Other", host_app_ids=[world.wallet.pk])
    version = ready(world.owner, other, "1.0.0")
    (release,) = release_submit(
        actor=world.owner, version=version, host_app_ids=[world.wallet.pk], environment=SANDBOX
    )
    login(client, world, "owner")
    assert client.post(url(world, "release-publish", release.pk)).status_code == 404
    assert client.post(url(world, "release-withdraw", release.pk)).status_code == 404
    assert client.post(url(world, "target-rollback", release.target_id)).status_code == 404
    assert client.get(url(world, "release-publish", release.pk)).status_code == 405
    assert Release.objects.get(pk=release.pk).state == S.APPROVED


# --- submitting -------------------------------------------------------------------------------


def test_submit_to_sandbox_is_approved_and_the_flash_says_where(client, world):
    login(client, world, "developer")
    response = client.post(
        url(world, "version-submit", "1.1.0"),
        {
            "environment": SANDBOX,
            "host_app_ids": [world.wallet.pk, world.lite.pk],
            "notes": "Cart fixes",
        },
    )
    assert response.status_code == 302 and response["Location"] == url(world, "releases")
    releases = Release.objects.order_by("target__host_app__name")
    assert [(r.target.host_app.name, r.state, r.notes) for r in releases] == [
        ("Acme Lite", S.APPROVED, "Cart fixes"),
        ("Acme Wallet", S.APPROVED, "Cart fixes"),
    ]
    [flash] = follow_messages(client, response)
    assert "Version 1.1.0 is approved for Acme Wallet (Sandbox) and Acme Lite (Sandbox)" in flash
    assert "approved automatically outside production" in flash


def test_submit_to_production_waits_for_the_tenants_review(client, world):
    login(client, world, "owner")
    response = client.post(
        url(world, "version-submit", "1.1.0"),
        {"environment": PROD, "host_app_ids": [world.wallet.pk]},
    )
    [flash] = follow_messages(client, response)
    assert flash == (
        "Version 1.1.0 was submitted for Acme Wallet (Production): it is waiting for the "
        "review of Acme Super App."
    )
    assert Release.objects.get().state == S.UNDER_REVIEW


def test_submit_form_shows_errors_by_field_and_keeps_the_input(client, world):
    login(client, world, "owner")
    response = client.post(url(world, "version-submit", "1.1.0"), {"notes": "Keep me"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["environment"] == ["Choose the environment to release to."]
    assert form.errors["host_app_ids"] == ["Choose at least one host app to release to."]
    body = response.content.decode()
    assert "Keep me</textarea>" in body
    assert "Please fix the 2 problems below." in body
    # Too long notes: the service's sentence, under the notes.
    response = client.post(
        url(world, "version-submit", "1.1.0"),
        {"environment": PROD, "host_app_ids": [world.wallet.pk], "notes": "x" * 1001},
    )
    assert response.context["form"].errors["notes"] == [
        "The notes are 1001 characters; keep them to 1000."
    ]
    assert 'value="production" id="id_environment_3" required checked' in response.content.decode()
    assert Release.objects.count() == 0


def test_submit_to_a_busy_target_is_refused_in_the_services_words(client, world):
    submit(world, world.v1, world.wallet, PROD)
    login(client, world, "owner")
    response = client.post(
        url(world, "version-submit", "1.1.0"),
        {"environment": PROD, "host_app_ids": [world.wallet.pk], "notes": "again"},
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == [
        "Acme Wallet (Production) already has a release in progress: withdraw it or publish "
        "it before submitting another version there."
    ]
    assert Release.objects.count() == 1


def test_submit_page_offers_active_host_apps_and_prefills_from_the_tab(client, world):
    miniprogram_take_offline(actor=world.owner, miniprogram=world.mp, host_app_id=world.lite.pk)
    online(world, world.v1, world.wallet)
    login(client, world, "developer")
    response = client.get(
        url(world, "version-submit", "1.1.0")
        + f"?environment=production&host_app={world.wallet.pk}"
    )
    body = response.content.decode()
    assert response.context["form"].initial["environment"] == "production"
    assert response.context["form"].initial["host_app_ids"] == [world.wallet.pk]
    assert [link.host_app.name for link, _box, _notes in response.context["host_app_rows"]] == [
        "Acme Wallet"
    ]
    assert "Sandbox: 1.0.0 online" in body
    assert "Taken offline (release it there again" in body and "Acme Lite" in body
    assert 'data-counter="chars"' in body and 'maxlength="1000"' in body
    assert "releases/releases.js" in body


def test_submit_page_of_a_version_that_is_not_ready_says_so(client, world):
    scanning = upload_version(world.owner, world.mp, "1.2.0")  # left uploaded
    login(client, world, "owner")
    body = client.get(url(world, "version-submit", scanning.number)).content.decode()
    assert "Version 1.2.0 is not ready." in body and "Submit for review</button>" not in body
    response = client.post(
        url(world, "version-submit", "1.2.0"),
        {"environment": SANDBOX, "host_app_ids": [world.wallet.pk]},
    )
    assert "Version 1.2.0 is not ready" in str(response.context["form"].non_field_errors())
    assert Release.objects.count() == 0


# --- the tab's actions --------------------------------------------------------------------------


def test_publish_goes_online_and_archives_the_previous(client, world):
    first = online(world, world.v1, world.wallet)
    release = submit(world, world.v2, world.wallet)
    login(client, world, "admin")
    response = client.post(url(world, "release-publish", release.pk))
    assert response["Location"].endswith(url(world, "releases") + "#matrix")
    assert follow_messages(client, response) == [
        "Version 1.1.0 is online in Acme Wallet (Sandbox). Version 1.0.0 was archived."
    ]
    first.refresh_from_db()
    assert first.state == S.ARCHIVED
    assert Release.objects.get(pk=release.pk).state == S.RELEASED


def test_publish_off_shelf_is_refused_with_the_reason(client, world):
    release = submit(world, world.v2, world.wallet)
    miniprogram_set_shelf(actor=world.owner, miniprogram=world.mp, on_shelf=False, reason="Renewal")
    login(client, world, "owner")
    response = client.post(url(world, "release-publish", release.pk))
    messages = follow_messages(client, response)
    assert messages == ["The mini program is off shelf: put it on shelf before publishing."]
    assert Release.objects.get(pk=release.pk).state == S.APPROVED
    body = client.get(url(world, "releases")).content.decode()
    assert "data-off-shelf" in body and "nothing can be published" in body


def test_rollback_then_a_second_rollback_is_refused(client, world):
    online(world, world.v1, world.wallet)
    current = online(world, world.v2, world.wallet)
    login(client, world, "owner")
    rollback_url = url(world, "target-rollback", current.target_id)
    first = client.post(rollback_url)
    assert follow_messages(client, first) == [
        "Acme Wallet (Sandbox) is back on version 1.0.0; version 1.1.0 was archived."
    ]
    second = client.post(rollback_url)
    assert follow_messages(client, second) == [TWO_ROLLBACKS]
    assert Release.objects.filter(kind=Release.Kind.ROLLBACK).count() == 1
    # The tab no longer offers a rollback there, and says why.
    body = client.get(url(world, "releases")).content.decode()
    assert rollback_url not in body
    assert "Rolled back: publish a new version before another." in body


def test_withdraw_by_another_developer_is_refused_in_the_services_words(client, world):
    release = submit(world, world.v2, world.wallet, PROD, who="owner")
    login(client, world, "developer")
    response = client.post(url(world, "release-withdraw", release.pk))
    assert follow_messages(client, response) == [
        "Only the person who submitted this request, or an admin of the workspace, can withdraw it."
    ]
    assert Release.objects.get(pk=release.pk).state == S.UNDER_REVIEW


def test_withdraw_by_the_submitter(client, world):
    release = submit(world, world.v2, world.wallet, PROD, who="developer")
    login(client, world, "developer")
    response = client.post(url(world, "release-withdraw", release.pk))
    assert follow_messages(client, response) == [
        "The review of version 1.1.0 for Acme Wallet (Production) was withdrawn."
    ]


# --- the matrix --------------------------------------------------------------------------------


def _cells(response) -> dict[tuple[str, str], Any]:
    return {
        (row.host_app.name, cell.environment): cell
        for row in response.context["rows"]
        for cell in row.cells
    }


def test_matrix_shows_online_open_and_the_actions_each_role_may_take(client, world):
    online(world, world.v1, world.wallet)
    approved = submit(world, world.v2, world.wallet)  # sandbox: approved, ready to publish
    review = submit(world, world.v2, world.wallet, PROD, who="developer")
    miniprogram_take_offline(actor=world.owner, miniprogram=world.mp, host_app_id=world.lite.pk)

    login(client, world, "owner")
    response = client.get(url(world, "releases"))
    rows = response.context["rows"]
    assert [(r.host_app.name, r.is_offline) for r in rows] == [
        ("Acme Lite", True),
        ("Acme Wallet", False),
    ]
    cells = _cells(response)
    sandbox = cells[("Acme Wallet", SANDBOX)]
    assert (sandbox.online.version.number, sandbox.open.version.number) == ("1.0.0", "1.1.0")
    assert sandbox.can_publish and not sandbox.can_rollback  # the first release there
    assert sandbox.publish_text == (
        "Version 1.1.0 goes online in Acme Wallet (Sandbox) at once. Version 1.0.0, online "
        "there now, is archived (you can roll back to it)."
    )
    production = cells[("Acme Wallet", PROD)]
    assert production.open == review and production.can_withdraw and not production.can_publish
    assert cells[("Acme Wallet", "test")].is_empty and cells[("Acme Wallet", "test")].can_submit
    assert not cells[("Acme Lite", SANDBOX)].can_submit  # taken offline there
    body = response.content.decode()
    assert url(world, "release-publish", approved.pk) in body
    assert url(world, "release-withdraw", review.pk) in body
    assert "Waiting for Acme Super App" in body and "Ready to publish" in body
    assert 'badge badge-red" title="">Taken offline' in body
    assert url(world, "version", "1.0.0") in body  # the online version links to its page
    assert "data-confirm=" in body and "Submit 1.1.0 for review" in body

    # A Developer submits and withdraws their own request, but never publishes.
    login(client, world, "developer")
    response = client.get(url(world, "releases"))
    body = response.content.decode()
    assert url(world, "release-publish", approved.pk) not in body
    assert url(world, "release-withdraw", review.pk) in body
    assert "Submit…" in body

    # A Reviewer reads it all and is offered nothing.
    login(client, world, "reviewer")
    body = client.get(url(world, "releases")).content.decode()
    for action in ("release-publish", "release-withdraw", "target-rollback"):
        assert f"/{action.split('-')[1]}/" not in body
    assert "Submit…" not in body and "Submit 1.1.0 for review" not in body
    assert "1.0.0" in body and "1.1.0" in body


def test_matrix_does_not_offer_the_version_online_there_again(client, world):
    online(world, world.v2, world.wallet)  # 1.1.0, the newest ready version
    login(client, world, "owner")
    cells = _cells(client.get(url(world, "releases")))
    assert not cells[("Acme Wallet", SANDBOX)].can_submit
    assert cells[("Acme Lite", SANDBOX)].can_submit


def test_matrix_query_count_does_not_grow_with_host_apps(client, world):
    def add_host_apps(count: int, start: int) -> None:
        apps = [
            host_app_create(
                actor=world.owner, name=f"Host {start + i:02d}", platforms={"ios": f"h.{start + i}"}
            )[0]
            for i in range(count)
        ]
        ids = list(
            MiniProgramHostApp.objects.filter(miniprogram=world.mp).values_list(
                "host_app_id", flat=True
            )
        )
        miniprogram_set_host_apps(
            actor=world.owner, miniprogram=world.mp, host_app_ids=ids + [a.pk for a in apps]
        )
        for app in apps:
            online(world, world.v1, app)
            submit(world, world.v2, app)
            submit(world, world.v2, app, PROD)

    add_host_apps(1, 0)
    login(client, world, "owner")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url(world, "releases")).status_code == 200
    add_host_apps(9, 1)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(url(world, "releases"))
    assert len(response.context["rows"]) == 12
    assert len(ten.captured_queries) == len(one.captured_queries), [
        q["sql"] for q in ten.captured_queries
    ]


# --- the history -------------------------------------------------------------------------------


def test_history_newest_first_with_who_what_replaced_and_the_rollback(client, world):
    online(world, world.v1, world.wallet)
    online(world, world.v2, world.wallet)
    current = Release.objects.get(state=S.RELEASED)
    release_rollback(actor=world.owner, target_id=current.target_id, note="Crash on start")
    rejected = submit(world, world.v2, world.lite, PROD, who="developer", notes="try prod")
    approval_reject(
        actor=world.people["reviewer"], request_id=rejected.approval_id, reason="Logo blurry"
    )

    login(client, world, "reviewer")
    response = client.get(url(world, "releases"))
    history = response.context["history"]
    assert [
        (h.where, h.release.version.number, h.release.kind, h.release.state) for h in history
    ] == [
        ("Acme Lite (Production)", "1.1.0", "full", S.REJECTED),
        ("Acme Wallet (Sandbox)", "1.0.0", "rollback", S.RELEASED),
        ("Acme Wallet (Sandbox)", "1.1.0", "full", S.ARCHIVED),
        ("Acme Wallet (Sandbox)", "1.0.0", "full", S.ARCHIVED),
    ]
    assert history[1].is_rollback and history[1].release.replaces.version.number == "1.1.0"
    assert history[2].release.replaces.version.number == "1.0.0"
    assert history[0].reason == "Logo blurry" and history[0].decided_by == "Reviewer"
    assert history[0].submitted_by == "Developer"
    body = response.content.decode()
    assert "data-rollback>Rollback</span>" in body
    assert "Rolled back by Owner" in body and "Crash on start" in body
    assert "Rejected by Reviewer" in body and "Logo blurry" in body

    # Filtered by one target.
    wallet_sandbox = ReleaseTarget.objects.get(host_app=world.wallet, environment=SANDBOX)
    response = client.get(url(world, "releases") + f"?target={wallet_sandbox.pk}")
    assert len(response.context["history"]) == 3
    assert response.context["chosen_target"] == str(wallet_sandbox.pk)
    assert f'<option value="{wallet_sandbox.pk}" selected>Acme Wallet (Sandbox)</option>' in (
        response.content.decode()
    )
    # A target that is not this mini program's: everything.
    response = client.get(url(world, "releases") + "?target=999999")
    assert len(response.context["history"]) == 4 and response.context["chosen_target"] == ""


def _bulk_history(world, count: int) -> None:
    """``count`` archived releases on one target, each replacing the one before (direct rows:
    the services are tested elsewhere; this measures the page)."""
    target, _ = ReleaseTarget.objects.get_or_create(
        miniprogram=world.mp, host_app=world.wallet, environment=SANDBOX
    )
    previous = Release.objects.filter(target=target).order_by("-id").first()
    users = [world.people[w].user for w in ("owner", "admin", "developer")]
    for i in range(count):
        now = timezone.now()
        previous = Release.objects.create(
            target=target,
            version=world.v1 if i % 2 else world.v2,
            state=S.ARCHIVED,
            kind=Release.Kind.ROLLBACK if i % 5 == 4 else Release.Kind.FULL,
            replaces=previous,
            notes=f"release {i}",
            submitted_by=users[i % 3],
            published_by=users[(i + 1) % 3],
            published_at=now,
            archived_at=now,
        )


def test_history_query_count_is_the_same_for_1_and_200_rows(
    client, world, django_assert_num_queries
):
    _bulk_history(world, 1)
    login(client, world, "owner")
    client.get(url(world, "releases"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as counted:
        client.get(url(world, "releases"))
    expected = len(counted.captured_queries)
    with django_assert_num_queries(expected):
        response = client.get(url(world, "releases"))
    assert len(response.context["history"]) == 1
    _bulk_history(world, 199)
    with django_assert_num_queries(expected):
        response = client.get(url(world, "releases"))
    assert len(response.context["history"]) == 50  # one page
    assert response.context["page_obj"].paginator.count == 200
    assert "1–50 of 200" in response.content.decode()
    with django_assert_num_queries(expected):
        last = client.get(url(world, "releases") + "?page=4")
    assert last.context["history"][-1].release.notes == "release 0"


# --- the Versions tab --------------------------------------------------------------------------


def test_versions_strip_and_releases_column_are_real(client, world):
    online(world, world.v1, world.wallet, PROD)
    submit(world, world.v2, world.wallet, PROD)
    submit(world, world.v2, world.lite)  # sandbox: approved

    login(client, world, "reviewer")
    response = client.get(url(world, "versions"))
    body = response.content.decode()
    assert "Comes with review &amp; release" not in body and "Comes with review" not in body
    strip_review = body[body.index("data-strip-review") : body.index("data-strip-online")]
    assert "1.1.0" in strip_review and "Acme Wallet (Production)" in strip_review
    assert "1.1.0 approved for Acme Lite (Sandbox)" in strip_review
    strip_online = body[body.index("data-strip-online") :]
    strip_online = strip_online[: strip_online.index("</div>")]
    assert "1.0.0" in strip_online and "Acme Wallet" in strip_online
    assert "In production" in strip_online
    badges = {
        row.version.number: [b.text for b in found] for row, found in response.context["table"]
    }
    assert badges == {
        "1.1.0": ["Approved · Acme Lite (sandbox)", "In review · Acme Wallet (prod)"],
        "1.0.0": ["Online · Acme Wallet (prod)"],
    }
    assert '<span class="badge badge-green">Online · Acme Wallet (prod)</span>' in body


def test_versions_strip_online_falls_back_to_the_newest_outside_production(client, world):
    online(world, world.v1, world.wallet)  # sandbox only
    login(client, world, "owner")
    body = client.get(url(world, "versions")).content.decode()
    strip_online = body[body.index("data-strip-online") :]
    assert "Acme Wallet (Sandbox) · not in production yet" in strip_online[:1200]


def test_versions_releases_column_is_one_query_for_all_rows(client, world):
    login(client, world, "owner")
    online(world, world.v1, world.wallet)
    with CaptureQueriesContext(connection) as few:
        client.get(url(world, "versions"))
    places = [(world.wallet, "development"), (world.lite, "development"), (world.wallet, "test")]
    for n in range(2, 8):
        version = ready(world.owner, world.mp, f"1.{n}.0")
        if places:
            app, environment = places.pop()
            submit(world, version, app, environment)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(world, "versions"))
    assert len(response.context["rows"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)
    releases_sql = [
        q["sql"] for q in many.captured_queries if 'FROM "releases_release"' in q["sql"]
    ]
    # The column's query and the strip's: one each, whatever the number of rows.
    assert len(releases_sql) == 2, releases_sql


# --- the version page --------------------------------------------------------------------------


def test_version_timeline_continues_per_target_with_who_and_when(client, world):
    online(world, world.v1, world.wallet)
    online(world, world.v2, world.wallet)  # archives 1.0.0 on Wallet sandbox
    review = submit(world, world.v1, world.wallet, PROD, who="developer", notes="prod please")
    approval_approve(actor=world.people["reviewer"], request_id=review.approval_id)
    rejected = submit(world, world.v1, world.lite, PROD)
    approval_reject(
        actor=world.people["reviewer"], request_id=rejected.approval_id, reason="Blurry logo"
    )

    login(client, world, "owner")
    response = client.get(url(world, "version", "1.0.0"))
    steps = [(s.label, s.state_label, s.who) for s in response.context["release_steps"]]
    assert steps == [
        ("Submitted for Acme Wallet (Sandbox)", "Done", "Owner"),
        ("Approved for Acme Wallet (Sandbox)", "Approved", "MPP"),
        ("Released in Acme Wallet (Sandbox)", "Done", "Owner"),
        ("Archived in Acme Wallet (Sandbox)", "Archived", "Owner"),
        ("Submitted for Acme Wallet (Production)", "Done", "Developer"),
        ("Approved for Acme Wallet (Production)", "Approved", "Reviewer"),
        ("Publish in Acme Wallet (Production)", "Ready to publish", ""),
        ("Submitted for Acme Lite (Production)", "Done", "Owner"),
        ("Rejected for Acme Lite (Production)", "Rejected", "Reviewer"),
    ]
    details = {s.label: s.detail for s in response.context["release_steps"]}
    assert details["Archived in Acme Wallet (Sandbox)"] == "Replaced by version 1.1.0."
    assert details["Rejected for Acme Lite (Production)"] == "Blurry logo"
    assert details["Submitted for Acme Wallet (Production)"] == "prod please"
    assert all(s.when for s in response.context["release_steps"] if s.state != "pending")
    body = response.content.decode()
    assert "data-next-step" in body and "Where it is now" in body
    assert "Acme Wallet (Production) · ready to publish" in body
    # A ready version's page offers the submission as its primary action.
    assert "data-submit-version" in body and url(world, "version-submit", "1.0.0") in body


def test_a_ready_version_never_submitted_ends_with_submit_for_review(client, world):
    login(client, world, "developer")
    body = client.get(url(world, "version", "1.1.0")).content.decode()
    assert "Next step: submit it for review" in body and "data-next-submit" in body
    login(client, world, "reviewer")
    body = client.get(url(world, "version", "1.1.0")).content.decode()
    assert "Next step: submit it for review" in body
    assert url(world, "version-submit", "1.1.0") not in body  # a Reviewer cannot submit


def test_a_rollback_shows_on_the_version_page(client, world):
    online(world, world.v1, world.wallet)
    current = online(world, world.v2, world.wallet)
    release_rollback(actor=world.owner, target_id=current.target_id, note="Crash")
    login(client, world, "owner")
    response = client.get(url(world, "version", "1.1.0"))
    labels = [(s.label, s.detail) for s in response.context["release_steps"]]
    assert labels[-1] == ("Archived in Acme Wallet (Sandbox)", "Rolled back to version 1.0.0.")
    response = client.get(url(world, "version", "1.0.0"))
    last = response.context["release_steps"][-1]
    assert (last.label, last.state_label) == (
        "Back online in Acme Wallet (Sandbox) by a rollback",
        "Rollback",
    )
    assert last.detail == "Rolled back from version 1.1.0. Crash"


# --- the mini program Overview ------------------------------------------------------------------


def _overview(client, world) -> str:
    body = client.get(reverse("miniprograms:detail", args=["acme", world.mp.app_id])).content
    return body.decode()


def _row(body: str, marker: str) -> str:
    start = body.index(marker)
    return re.sub(r"\s+", " ", body[start : body.index("</dd>", start)])


def test_overview_online_version_and_last_released_agree(client, world):
    login(client, world, "owner")
    body = _overview(client, world)
    assert "Not online yet" in _row(body, "data-online-version")
    assert "No version released to production yet" in _row(body, "data-release-state")
    assert "None yet" not in body and "Last released" not in body

    online(world, world.v1, world.wallet)  # sandbox only: online, never released to production
    body = _overview(client, world)
    assert "in Acme Wallet (Sandbox) only: not in production yet" in _row(
        body, "data-online-version"
    )
    assert "Last released" not in body

    published = online(world, world.v2, world.wallet, PROD)
    world.mp.refresh_from_db()
    body = _overview(client, world)
    online_row = _row(body, "data-online-version")
    assert "1.1.0" in online_row and "Acme Wallet" in online_row
    stamp = timezone.localtime(published.published_at).strftime("%Y-%m-%d %H:%M")
    assert stamp in online_row
    assert "Last released <time" in _row(body, "data-release-state")
    assert world.mp.released_at == published.published_at
    assert stamp in _row(body, "data-release-state")
    assert "Not online" not in body and "None yet" not in body

    # Taken offline from the only host app it is online in: nothing online, still released.
    miniprogram_take_offline(actor=world.owner, miniprogram=world.mp, host_app_id=world.wallet.pk)
    body = _overview(client, world)
    assert "Not online in any host app now" in _row(body, "data-online-version")
    assert "Last released" in _row(body, "data-release-state")


def test_tabs_include_releases(client, world):
    login(client, world, "reviewer")
    body = client.get(url(world, "releases")).content.decode()
    assert f'<a href="{url(world, "releases")}" aria-current="page">Releases</a>' in body
    body = client.get(url(world, "versions")).content.decode()
    assert f'<a href="{url(world, "releases")}">Releases</a>' in body
