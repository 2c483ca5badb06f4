"""The grayscale pages of the console (issue 11): the Releases tab's Grayscale section, the create
form, a task's page and its actions, and the audience preview.

A merchant's mini program, released to a tenant's host app (outside production, so approved at
once): the merchant's Owner and Admin act, its Developer reads, the tenant hosting it reads
(read-only: no actions, every write 403), another workspace gets 404. Refusals of the services
come back by field (create) or as a message (actions); the tab's query count does not grow with
the number of tasks; the preview's answer is the runtime snapshot's answer.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.grayscale import services
from releases.grayscale.admission import grayscale_would_admit
from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
from releases.grayscale.targeting import Context, choose
from releases.release.services import release_publish
from releases.runtime.snapshot import Target, snapshot_build
from releases.tests.factories import team
from releases.tests.test_grayscale_services import approve, online, ready_version, task_input
from workspaces.models import AuditEvent, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

G = GrayscaleTask.State
WHO = ["owner", "admin", "reviewer", "developer", "unassigned", "host", "outsider", "anonymous"]
READERS = {"owner": 200, "admin": 200, "reviewer": 200, "developer": 200, "host": 200}
MANAGERS = {"owner": 200, "admin": 200, "reviewer": 403, "developer": 403, "host": 403}
ACTORS = {"owner": 302, "admin": 302, "reviewer": 403, "developer": 403, "host": 403}


@pytest.fixture
def world():
    """Zeta Shop (a merchant of Acme) with 1.0.0 online on Acme Wallet (Test) and 1.1.0
    approved there; a member per role on each side."""
    tenant = WorkspaceFactory(name="Acme Super App", slug="acme", kind=Workspace.Kind.TENANT)
    host = MembershipFactory(workspace=tenant, role="owner", user=UserFactory(email="h@acme.test"))
    wallet, _ = host_app_create(actor=host, name="Acme Wallet", platforms={"android": "a.w"})
    merchant = WorkspaceFactory(
        name="Zeta Shop", slug="zeta", kind=Workspace.Kind.DEVELOPER, tenant=tenant
    )
    people = team(merchant, domain="zeta.test")
    owner = people["owner"]
    mp = create_miniprogram(owner, name="Zeta Cafe", host_app_ids=[wallet.pk])
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=people["developer"].user_id)
    online(owner, ready_version(owner, mp, "1.0.0"), wallet.pk)
    v11 = ready_version(owner, mp, "1.1.0")
    release = approve(owner, v11, wallet.pk)
    other = WorkspaceFactory(name="Globex", slug="globex", kind=Workspace.Kind.TENANT)
    outsider = MembershipFactory(workspace=other, role="owner")
    return SimpleNamespace(
        tenant=tenant,
        merchant=merchant,
        people={**people, "host": host, "outsider": outsider},
        owner=owner,
        wallet=wallet,
        mp=mp,
        v11=v11,
        target=release.target,
        release=release,
    )


def slug_of(world, who: str) -> str:
    return world.tenant.slug if who == "host" else world.merchant.slug


def url(world, name: str, *args: Any, who: str = "owner") -> str:
    return reverse(f"releases:{name}", args=[slug_of(world, who), world.mp.app_id, *args])


def login(client, world, who: str) -> None:
    if who != "anonymous":
        client.force_login(world.people[who].user)


def make_task(world, **overrides) -> GrayscaleTask:
    return services.grayscale_task_create(
        actor=world.owner, target=world.target, version=world.v11, data=task_input(**overrides)
    )


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def form_data(**overrides) -> dict[str, Any]:
    now = timezone.now()
    data = {
        "version": "1.1.0",
        "name": "Beta cohort",
        "starts_at": local(now - timedelta(minutes=5)),
        "ends_at": local(now + timedelta(days=7)),
        "max_users": "500",
        "host_app_version_min": "",
        "host_app_version_max": "",
        "android_min": "",
        "android_max": "",
        "ios_min": "",
        "ios_max": "",
        "guids": "",
        "device_ids": "",
        "accounts": "",
        "percentage": "",
    }
    data.update(overrides)
    return data


def messages_after(client, response) -> list[str]:
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


# --- role matrices: pages -----------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("page", "allowed"),
    [("grayscale-create", MANAGERS), ("grayscale-task", READERS), ("grayscale-preview", READERS)],
)
def test_grayscale_pages_role_matrix(client, world, who, page, allowed):
    task = make_task(world)
    args = {
        "grayscale-create": [world.target.pk],
        "grayscale-task": [world.target.pk, task.pk],
        "grayscale-preview": [world.target.pk],
    }[page]
    login(client, world, who)
    response = client.get(url(world, page, *args, who=who))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        # An unassigned Developer does not see the mini program; another workspace's Owner
        # does not see the workspace: both 404, as a missing page.
        assert response.status_code == allowed.get(who, 404)


@pytest.mark.parametrize("who", ["owner", "admin", "reviewer", "developer", "host"])
def test_the_tab_lists_tasks_to_readers_and_offers_actions_to_managers(client, world, who):
    make_task(world, name="First wave", max_users=400)
    login(client, world, who)
    response = client.get(url(world, "releases", who=who))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Grayscale releases" in html
    assert "First wave" in html and "0 / 400" in html
    assert 'data-state="delivering"' in html and "badge-blue" in html
    assert escape(services.WHITELISTS_OUTSIDE_PRODUCTION) in html  # a test environment target
    manages = who in ("owner", "admin")
    assert ("data-new-grayscale" in html) is manages


def test_a_task_page_shows_actions_only_to_who_may_act(client, world):
    task = make_task(world, percentage="5")
    for who, acts in [("owner", True), ("developer", False), ("host", False)]:
        login(client, world, who)
        html = client.get(url(world, "grayscale-task", world.target.pk, task.pk, who=who))
        html = html.content.decode()
        assert ("grayscale-suspend" in html or "/suspend/" in html) is acts, who
        assert ("End task" in html) is acts, who
        if not acts:
            assert "An Owner or Admin of the workspace can" in html


# --- role matrices: POSTs -----------------------------------------------------------------------


def _create(world):
    return (
        url(world, "grayscale-create", world.target.pk),
        form_data(),
        lambda: GrayscaleTask.objects.filter(name="Beta cohort").exists(),
    )


def _on_task(action: str, data: dict[str, Any] | None = None, **task_kwargs: Any):
    def build(world):
        if action == "replace-version":
            task = _hotfix_ready(world)
        else:
            task = make_task(world, **task_kwargs)
        if action == "resume":
            services.grayscale_task_suspend(actor=world.owner, task_id=task.pk)
        state = {
            "suspend": lambda t: t.state == G.SUSPENDED,
            "resume": lambda t: t.state == G.DELIVERING,
            "end": lambda t: t.state == G.ENDED,
            "percentage": lambda t: t.percentage == Decimal("20"),
            "replace-version": lambda t: t.version.number == "1.2.0",
            "schedule-pause": lambda t: t.schedule_paused,
            "schedule-resume": lambda t: not t.schedule_paused,
        }[action]
        if action == "schedule-resume":
            services.grayscale_schedule_pause(actor=world.owner, task_id=task.pk)
        return (
            url(world, f"grayscale-{action}", world.target.pk, task.pk),
            data or {},
            lambda: state(GrayscaleTask.objects.select_related("version").get(pk=task.pk)),
        )

    return build


def _hotfix_ready(world) -> GrayscaleTask:
    """A delivering task of 1.1.0 whose release was cancelled by the hotfix 1.2.0, now
    approved on the target."""
    task = make_task(world, name="Hotfixed")
    v12 = ready_version(world.owner, world.mp, "1.2.0")
    approve(world.owner, v12, world.wallet.pk)
    return task


@pytest.mark.parametrize("who", ["owner", "admin", "reviewer", "developer", "host", "outsider"])
@pytest.mark.parametrize(
    "action",
    [
        _create,
        _on_task("suspend"),
        _on_task("resume"),
        _on_task("end"),
        _on_task("percentage", {"percentage": "20"}, percentage="5"),
        _on_task("replace-version", {"version": "1.2.0"}),
        _on_task("schedule-pause", schedule=[["5", 24], ["50", 24]]),
        _on_task("schedule-resume", schedule=[["5", 24], ["50", 24]]),
    ],
    ids=[
        "create",
        "suspend",
        "resume",
        "end",
        "percentage",
        "replace-version",
        "schedule-pause",
        "schedule-resume",
    ],
)
def test_grayscale_posts_role_matrix(client, world, who, action):
    target_url, data, done = action(world)
    if who == "host":
        target_url = target_url.replace(f"/w/{world.merchant.slug}/", f"/w/{world.tenant.slug}/")
    login(client, world, who)
    response = client.post(target_url, data)
    assert response.status_code == ACTORS.get(who, 404)
    assert done() is (response.status_code == 302)


@pytest.mark.parametrize("name", ["grayscale-suspend", "grayscale-end", "grayscale-percentage"])
def test_actions_answer_get_with_405(client, world, name):
    task = make_task(world)
    login(client, world, "owner")
    assert client.get(url(world, name, world.target.pk, task.pk)).status_code == 405


def test_a_task_of_another_target_is_404(client, world):
    task = make_task(world)
    online_target = world.release.target  # the same target; another id is not the task's
    login(client, world, "owner")
    wrong = url(world, "grayscale-task", online_target.pk + 999, task.pk)
    assert client.get(wrong).status_code == 404


# --- the create form ----------------------------------------------------------------------------


def test_create_delivers_at_once_and_lands_on_the_task_page(client, world):
    login(client, world, "owner")
    data = form_data(
        accounts="alice\nbob\n",
        android="on",
        android_min="10",
        networks=["wifi", "5g"],
        percentage="20",
    )
    response = client.post(url(world, "grayscale-create", world.target.pk), data)
    task = GrayscaleTask.objects.get(name="Beta cohort")
    assert response["Location"] == url(world, "grayscale-task", world.target.pk, task.pk)
    assert task.state == G.DELIVERING and task.max_users == 500
    assert task.platforms == {"android": ["10", ""]} and task.percentage == Decimal("20")
    assert GrayscaleTargetList.objects.get(task=task).values == "alice\nbob"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Task “Beta cohort” is delivering version 1.1.0 in Acme Wallet (Test)." in html
    assert "On one of the lists: 2 user accounts" in html and "alice" not in html
    assert "Task created" in html and "grayscale.create" in html  # the audit rows


def test_the_times_are_read_in_the_members_time_zone(client, world):
    user = world.owner.user
    user.timezone = "Asia/Shanghai"
    user.save(update_fields=["timezone"])
    login(client, world, "owner")
    response = client.post(
        url(world, "grayscale-create", world.target.pk),
        form_data(starts_at="2030-01-01T08:00", ends_at="2030-01-02T08:00"),
    )
    assert response.status_code == 302
    task = GrayscaleTask.objects.get()
    assert task.state == G.PENDING
    assert task.starts_at.isoformat() == "2030-01-01T00:00:00+00:00"  # 08:00 in Shanghai


def test_bad_lines_are_listed_by_number_nothing_is_created_and_input_is_kept(client, world):
    login(client, world, "owner")
    accounts = "alice\nbad value\nbob\n" + "x" * 200 + "\n"
    response = client.post(
        url(world, "grayscale-create", world.target.pk),
        form_data(name="A name far too long for it", accounts=accounts),
    )
    assert response.status_code == 200
    assert not GrayscaleTask.objects.exists()
    form = response.context["form"]
    assert form.errors["name"] == ["Keep the task name to 20 characters; this one has 26."]
    lines = form.errors["accounts"]
    assert lines[0].startswith("Line 2: ") and "contains a space" in lines[0]
    assert lines[1].startswith("Line 4: ") and "200 characters" in lines[1]
    html = response.content.decode()
    assert "Please fix the 2 problems below." in html
    assert "A name far too long for it" in html and "bad value" in html  # kept


def test_a_txt_upload_is_read_and_a_wrong_file_refused(client, world):
    login(client, world, "owner")
    wrong = SimpleUploadedFile("ids.csv", b"dev-1\n", content_type="text/csv")
    response = client.post(
        url(world, "grayscale-create", world.target.pk), {**form_data(), "device_ids_file": wrong}
    )
    assert response.context["form"].errors["device_ids_file"] == [
        "Upload a .txt file: one value per line."
    ]
    good = SimpleUploadedFile("ids.txt", b"dev-1\r\ndev-2\r\n\r\ndev-1\r\n", "text/plain")
    response = client.post(
        url(world, "grayscale-create", world.target.pk),
        {**form_data(device_ids="dev-3"), "device_ids_file": good},
    )
    assert response.status_code == 302
    lists = GrayscaleTargetList.objects.get()
    assert (lists.kind, lists.values, lists.count) == ("device_id", "dev-3\ndev-1\ndev-2", 3)


def test_an_uploaded_list_with_a_bad_line_names_the_line(client, world):
    login(client, world, "owner")
    upload = SimpleUploadedFile("guids.txt", b"g-1\ng-2\ng 3\n", "text/plain")
    response = client.post(
        url(world, "grayscale-create", world.target.pk), {**form_data(), "guids_file": upload}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["guids"][0].startswith("Line 3: ")
    assert not GrayscaleTask.objects.exists()


def test_group_rules_show_next_to_their_group(client, world):
    login(client, world, "owner")
    response = client.post(
        url(world, "grayscale-create", world.target.pk),
        form_data(
            host_app_version_min="9",
            host_app_version_max="8",
            ios="on",
            ios_min="abc",
            step_1_percentage="10",
            step_1_hours="24",
            step_2_percentage="5",
            step_2_hours="24",
        ),
    )
    errors = response.context["form"].errors
    assert "higher than the highest" in errors["host_app_version_min"][0]
    assert "is not a version number" in errors["android_min"][0]
    assert "must raise the percentage" in errors["step_1_percentage"][0]


def test_without_an_eligible_version_the_page_says_what_to_do(client, world):
    release_publish(actor=world.owner, release_id=world.release.pk)  # 1.1.0 is online now
    login(client, world, "owner")
    html = client.get(url(world, "grayscale-create", world.target.pk)).content.decode()
    assert "data-no-version" in html
    assert "higher than the online version 1.1.0: submit one for review first." in html
    tab = client.get(url(world, "releases")).content.decode()
    assert "data-new-grayscale" not in tab
    assert "To start a task, submit a version higher than 1.1.0 for review here" in tab


# --- a task's actions ---------------------------------------------------------------------------


def test_the_percentage_only_goes_up_and_the_form_says_so(client, world):
    task = make_task(world, percentage="20")
    login(client, world, "owner")
    page = client.get(url(world, "grayscale-task", world.target.pk, task.pk)).content.decode()
    assert "Only up: it is 20 % now" in page
    response = client.post(
        url(world, "grayscale-percentage", world.target.pk, task.pk), {"percentage": "10"}
    )
    assert messages_after(client, response) == ["The percentage may only go up: it is 20 % now."]
    response = client.post(
        url(world, "grayscale-percentage", world.target.pk, task.pk), {"percentage": "100"}
    )
    assert messages_after(client, response) == [
        "Task “Spring cohort” now delivers to 100 % of the matching users."
    ]
    page = client.get(url(world, "grayscale-task", world.target.pk, task.pk)).content.decode()
    assert "Publish as full release" in page and "data-full-release" in page
    assert 'name="percentage"' not in page  # nothing left to raise


def test_the_hotfix_path_is_never_a_dead_end(client, world):
    task = make_task(world)
    login(client, world, "owner")
    page = client.get(url(world, "grayscale-task", world.target.pk, task.pk)).content.decode()
    assert "data-replace-note" in page and "submit a newer version for review" in page
    assert "End task" in page
    v12 = ready_version(world.owner, world.mp, "1.2.0")
    approve(world.owner, v12, world.wallet.pk)  # cancels 1.1.0's approved release (the hotfix)
    page = client.get(url(world, "grayscale-task", world.target.pk, task.pk)).content.decode()
    assert '<option value="1.2.0">1.2.0</option>' in page
    response = client.post(
        url(world, "grayscale-replace-version", world.target.pk, task.pk), {"version": "1.2.0"}
    )
    assert messages_after(client, response) == [
        "Task “Spring cohort” delivers version 1.2.0 instead of 1.1.0, to the same users."
    ]
    task.refresh_from_db()
    assert task.version.number == "1.2.0"
    response = client.post(
        url(world, "grayscale-replace-version", world.target.pk, task.pk), {"version": "9.9.9"}
    )
    assert (
        "Choose a newer version approved in Acme Wallet (Test)"
        in messages_after(client, response)[0]
    )


def test_suspend_resume_end_say_what_happened_and_are_audited(client, world):
    task = make_task(world)
    login(client, world, "owner")
    base = [world.target.pk, task.pk]
    assert messages_after(client, client.post(url(world, "grayscale-suspend", *base))) == [
        "Task “Spring cohort” is suspended: it delivers to nobody until resumed."
    ]
    assert messages_after(client, client.post(url(world, "grayscale-resume", *base))) == [
        "Task “Spring cohort” is delivering again."
    ]
    assert messages_after(client, client.post(url(world, "grayscale-end", *base))) == [
        "Task “Spring cohort” has ended: its users get the online version."
    ]
    response = client.post(url(world, "grayscale-resume", *base))
    assert messages_after(client, response) == [
        "Only a suspended task can be resumed; this one is ended."
    ]
    verbs = AuditEvent.objects.filter(target_id=str(task.pk), verb__startswith="grayscale.")
    assert verbs.count() == 5  # created, delivering, suspended, delivering, ended
    page = client.get(url(world, "grayscale-task", *base)).content.decode()
    assert page.count("grayscale.delivering") == 2 and "This task has ended." in page


# --- the audience preview -----------------------------------------------------------------------


def test_the_preview_gives_the_grayscale_version_to_an_account_on_the_list(client, world):
    task = make_task(world, accounts="alice\nbob", name="Friends")
    login(client, world, "developer")
    response = client.get(
        url(world, "grayscale-preview", world.target.pk),
        {"user_account": "alice", "platform": "android", "asked": "1"},
    )
    decision = response.context["decision"]
    assert (decision.version, decision.source, decision.task_id) == ("1.1.0", "grayscale", task.pk)
    html = response.content.decode()
    assert 'data-source="grayscale"' in html and "Friends" in html
    response = client.get(
        url(world, "grayscale-preview", world.target.pk), {"user_account": "mallory"}
    )
    decision = response.context["decision"]
    assert (decision.version, decision.source) == ("1.0.0", "online")
    [(task_id, verdict)] = decision.checks
    assert task_id == task.pk and verdict.failed == "target"
    assert escape(verdict.reason) in response.content.decode()
    assert task.admissions.count() == 0  # the preview admits nobody


def test_the_preview_lists_tasks_that_do_not_deliver(client, world):
    task = make_task(world, name="Paused one")
    services.grayscale_task_suspend(actor=world.owner, task_id=task.pk)
    login(client, world, "owner")
    response = client.get(url(world, "grayscale-preview", world.target.pk), {"asked": "1"})
    html = response.content.decode()
    assert response.context["decision"].source == "online"
    assert "Not delivering, so not looked at:" in html and "Paused one (suspended)" in html


@pytest.mark.parametrize(
    "launch",
    [
        {"user_account": "alice", "platform": "android", "os_version": "14", "network": "wifi"},
        {"user_account": "alice", "platform": "ios", "os_version": "17"},
        {"user_account": "carol", "platform": "android", "os_version": "14", "network": "wifi"},
        {"device_id": "d-1", "platform": "android", "os_version": "9", "network": "4g"},
        {},
    ],
)
def test_the_preview_and_the_runtime_snapshot_agree(client, world, launch):
    make_task(world, name="Android", platforms={"android": ["10", ""]}, accounts="alice\nbob")
    make_task(world, name="Wi-Fi", networks=["wifi"], percentage="50")
    login(client, world, "owner")
    response = client.get(url(world, "grayscale-preview", world.target.pk), {**launch, "a": "1"})
    preview = response.context["decision"]
    snapshot = snapshot_build(revision=0)
    target = next(
        t
        for of_group in snapshot.targets.values()
        for t in of_group.values()
        if isinstance(t, Target) and t.id == world.target.pk
    )
    context = Context(host_app_id=world.wallet.pk, **launch)
    runtime = choose(target.candidate, context, admit=grayscale_would_admit)
    assert preview == runtime


# --- query counts -------------------------------------------------------------------------------


def _tasks(world, count: int, *, first: int = 0) -> None:
    now = timezone.now()
    for n in range(first, first + count):
        task = GrayscaleTask.objects.create(
            target=world.target,
            version=world.v11,
            name=f"Task {n}",
            state=G.DELIVERING if n % 2 else G.PENDING,
            starts_at=now,
            ends_at=now + timedelta(days=1),
            max_users=10 + n,
            created_by=world.owner.user,
        )
        GrayscaleTargetList.objects.create(task=task, kind="guid", values="a\nb", count=2)


def test_the_tab_costs_the_same_queries_with_1_and_20_tasks(client, world):
    _tasks(world, 1)
    login(client, world, "owner")
    client.get(url(world, "releases"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url(world, "releases"))
    assert len(response.context["grayscale"][0].rows) == 1
    _tasks(world, 19, first=1)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url(world, "releases"))
    rows = response.context["grayscale"][0].rows
    assert [r.task.name for r in rows[:2]] == ["Task 19", "Task 18"]  # newest first
    assert len(rows) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries), [
        q["sql"] for q in twenty.captured_queries
    ]
    assert re.search(r"0 / 29", response.content.decode())


def test_a_staged_task_shows_its_steps_and_the_schedule_actions(client, world):
    task = make_task(world, schedule=[["1", 24], ["5", 24], ["100", 0]])
    login(client, world, "owner")
    page_url = url(world, "grayscale-task", world.target.pk, task.pk)
    html = client.get(page_url).content.decode()
    assert "<strong>1 %</strong> · held 24 h" in html and "<strong>100 %</strong>" in html
    assert "Pause schedule" in html and "Resume schedule" not in html
    assert messages_after(
        client, client.post(url(world, "grayscale-schedule-pause", world.target.pk, task.pk))
    ) == ["The schedule of “Spring cohort” is paused at its current step."]
    html = client.get(page_url).content.decode()
    assert "Resume schedule" in html and "Paused" in html
    tab = client.get(url(world, "releases")).content.decode()
    assert "1 % · staged" in tab


# --- the matrix cell ----------------------------------------------------------------------------


def test_the_matrix_cell_shows_the_live_task_with_its_progress_and_a_link(client, world):
    ended = make_task(world, name="Old run")
    services.grayscale_task_end(actor=world.owner, task_id=ended.pk)
    make_task(world, name="Later", starts_at=timezone.now() + timedelta(days=1))  # pending
    task = make_task(world, name="Beta", percentage="5", max_users=1200)
    GrayscaleTask.objects.filter(pk=task.pk).update(admitted_users=1050)
    login(client, world, "developer")  # a reader sees it too

    html = client.get(url(world, "releases")).content.decode()

    assert html.count("data-grayscale>") == 1  # only the delivering task, on its own target
    link = url(world, "grayscale-task", world.target.pk, task.pk, who="developer")
    assert f'href="{link}"' in html
    assert "Grayscale task “Beta”: version 1.1.0 in Acme Wallet (Test)" in html
    assert '<span class="badge badge-blue">Grayscale</span>' in html
    assert "1,050 / 1,200 users" in html and "5 %" in html

    services.grayscale_task_suspend(actor=world.owner, task_id=task.pk)
    second = make_task(world, name="Second")
    html = client.get(url(world, "releases")).content.decode()
    assert html.count("data-grayscale>") == 1
    newest = url(world, "grayscale-task", world.target.pk, second.pk, who="developer")
    assert f'href="{newest}"' in html  # the newest live task, and a word about the other
    assert "1 more task" in html

    services.grayscale_task_end(actor=world.owner, task_id=second.pk)
    html = client.get(url(world, "releases")).content.decode()
    assert '<span class="badge badge-amber">Grayscale</span>' in html
    assert "<strong>Suspended</strong> · <span" in html
    assert f'href="{link}"' in html and "1 more task" not in html


def test_the_matrix_costs_the_same_queries_with_live_tasks_on_1_and_2_targets(client, world):
    make_task(world, name="On test")
    login(client, world, "owner")
    client.get(url(world, "releases"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        html = client.get(url(world, "releases")).content.decode()
    assert html.count("data-grayscale>") == 1

    dev = approve(world.owner, world.v11, world.wallet.pk, env="development")
    now = timezone.now()
    for n in range(3):
        GrayscaleTask.objects.create(
            target=dev.target,
            version=world.v11,
            name=f"Dev {n}",
            state=G.DELIVERING,
            starts_at=now,
            ends_at=now + timedelta(days=1),
            max_users=10,
            created_by=world.owner.user,
        )
    with CaptureQueriesContext(connection) as two:
        html = client.get(url(world, "releases")).content.decode()
    assert html.count("data-grayscale>") == 2
    assert "Grayscale task “Dev 2”: version 1.1.0 in Acme Wallet (Development)" in html
    assert len(two.captured_queries) == len(one.captured_queries), [
        q["sql"] for q in two.captured_queries
    ]


# --- a chosen list file is kept when the form comes back ----------------------------------------


def _accounts_file(n: int = 1234, name: str = "targets.txt") -> SimpleUploadedFile:
    body = "".join(f"user-{i:05d}\n" for i in range(n)).encode()
    return SimpleUploadedFile(name, body, content_type="text/plain")


def _kept_token(response, field: str = "accounts") -> str:
    html = response.content.decode()
    found = re.search(rf'name="{field}_token" value="([^"]+)"', html)
    assert found, f"no kept {field} file on the page"
    return found.group(1)


def test_a_list_file_is_kept_when_another_field_is_refused_and_used_on_the_next_submit(
    client, world
):
    login(client, world, "owner")
    create_url = url(world, "grayscale-create", world.target.pk)
    # A form error (the name) and a service refusal (the end time) both keep the file.
    for bad in ({"name": ""}, {"ends_at": local(timezone.now() - timedelta(days=1))}):
        response = client.post(create_url, {**form_data(**bad), "accounts_file": _accounts_file()})
        assert response.status_code == 200 and not GrayscaleTask.objects.exists()
        html = response.content.decode()
        assert "targets.txt</span> — 1,234 entries kept; choose another file to replace it." in html
        token = _kept_token(response)

    response = client.post(create_url, {**form_data(accounts="typed-1"), "accounts_token": token})

    assert response.status_code == 302, response.context["form"].errors
    lists = GrayscaleTargetList.objects.get()
    assert (lists.kind, lists.count) == ("account", 1235)
    assert lists.values.startswith("typed-1\nuser-00000\n")


def test_a_new_file_replaces_the_kept_one_and_drop_forgets_it(client, world):
    login(client, world, "owner")
    create_url = url(world, "grayscale-create", world.target.pk)
    first = client.post(create_url, {**form_data(name=""), "accounts_file": _accounts_file(5)})
    token = _kept_token(first)

    second = client.post(
        create_url,
        {
            **form_data(name=""),
            "accounts_token": token,
            "accounts_file": _accounts_file(3, "b.txt"),
        },
    )
    assert "b.txt</span> — 3 entries kept" in second.content.decode()
    replaced = _kept_token(second)
    assert replaced != token
    client.post(create_url, {**form_data(), "accounts_token": replaced})
    assert GrayscaleTargetList.objects.get().count == 3

    GrayscaleTask.objects.all().delete()
    third = client.post(create_url, {**form_data(name=""), "accounts_file": _accounts_file(2)})
    dropped = client.post(
        create_url, {**form_data(), "accounts_token": _kept_token(third), "accounts_drop": "1"}
    )
    assert dropped.status_code == 302
    assert not GrayscaleTargetList.objects.exists()  # no list: anyone


def test_a_file_with_a_bad_line_is_not_kept(client, world):
    login(client, world, "owner")
    upload = SimpleUploadedFile("guids.txt", b"g-1\ng 2\n", "text/plain")
    response = client.post(
        url(world, "grayscale-create", world.target.pk),
        {**form_data(name=""), "guids_file": upload},
    )
    html = response.content.decode()
    assert 'name="guids_token"' not in html
    assert "A file with a bad line is not kept: fix it and choose it again." in html
    [problem] = response.context["form"].errors["guids_file"]
    assert problem.startswith("guids.txt, line 2: ") and "space" in problem


def test_a_kept_list_token_works_only_for_its_person_and_kind(client, world):
    login(client, world, "owner")
    create_url = url(world, "grayscale-create", world.target.pk)
    token = _kept_token(
        client.post(create_url, {**form_data(name=""), "accounts_file": _accounts_file(4)})
    )
    refusal = (
        "The file chosen earlier could not be kept (the page was open for more than an hour, "
        "or was changed): choose it again."
    )
    # Another kind of list, a forged token, someone else: refused, nothing created.
    for field, value in (("guids_token", token), ("accounts_token", token[:-2] + "xx")):
        response = client.post(create_url, {**form_data(), field: value})
        file_field = field.replace("_token", "_file")
        assert response.context["form"].errors[file_field] == [refusal]
    client.force_login(world.people["admin"].user)
    response = client.post(create_url, {**form_data(), "accounts_token": token})
    assert response.context["form"].errors["accounts_file"] == [refusal]
    assert not GrayscaleTask.objects.exists()
