"""The grayscale API (issue 11) through the HTTP client: who reaches what (a role matrix), the
answers of each action, refusals as a 400 with their sentence, a .txt list upload, and lists
whose query count does not grow with the number of tasks. The rules themselves are tested in
test_grayscale_services.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
from releases.tests.test_grayscale_services import approve, online, ready_version
from workspaces.models import Membership, User
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import MembershipFactory, UserFactory

G = GrayscaleTask.State


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(owner, tenant):
    """1.0.0 online on the wallet's test target, 1.1.0 approved there; a member per role."""
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    shop = create_miniprogram(owner, host_app_ids=[wallet.pk])
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    v11 = ready_version(owner, shop, "1.1.0")
    release = approve(owner, v11, wallet.pk)
    developer = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=shop, user_id=developer.user_id)
    third = workspace_create(owner=UserFactory(), name="Third Co", kind="tenant")
    members = {
        "owner": owner,
        "admin": MembershipFactory(workspace=tenant, role="admin"),
        "reviewer": MembershipFactory(workspace=tenant, role="reviewer"),
        "developer": developer,
        "unassigned": MembershipFactory(workspace=tenant, role="developer"),
        "stranger": Membership.objects.get(workspace=third),
    }
    mp_url = f"/api/v1/workspaces/{tenant.slug}/miniprograms/{shop.app_id}"
    base = f"{mp_url}/targets/{release.target_id}/grayscale"
    return {
        "shop": shop,
        "wallet": wallet,
        "target": release.target,
        "base": base,
        "by_id": f"{mp_url}/grayscale",
        **members,
    }


def body(**overrides):
    now = timezone.now()
    data = {
        "version": "1.1.0",
        "name": "Spring cohort",
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        "max_users": 500,
    }
    data.update(overrides)
    return data


def create(world, who: str = "owner", **overrides):
    return api(world[who].user).post(world["base"], body(**overrides), format="json")


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("owner", 201),
        ("admin", 201),
        ("reviewer", 403),
        ("developer", 403),
        ("unassigned", 404),
        ("stranger", 404),
    ],
)
def test_creating_a_task_needs_what_publishing_needs(world, who, code):
    response = create(world, who)
    assert response.status_code == code, response.content
    assert GrayscaleTask.objects.count() == (1 if code == 201 else 0)
    if code == 403:
        assert "miniprograms.manage_miniprogram" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("owner", 200),
        ("admin", 200),
        ("reviewer", 200),
        ("developer", 200),
        ("unassigned", 404),
        ("stranger", 404),
    ],
)
def test_whoever_reads_releases_reads_the_tasks(world, who, code):
    task_id = create(world).json()["id"]
    client = api(world[who].user)
    listed = client.get(world["base"])
    one = client.get(f"{world['base']}/{task_id}")
    by_id = client.get(f"{world['by_id']}/{task_id}")
    assert (listed.status_code, one.status_code, by_id.status_code) == (code, code, code)
    if code == 200:
        assert [t["id"] for t in listed.json()["results"]] == [task_id]
        assert one.json()["admitted_users"] == 0
        assert by_id.json() == one.json()


ACTIONS = [
    ("suspend", {}),
    ("resume", {}),
    ("end", {"note": "done"}),
    ("percentage", {"percentage": 50}),
    ("version", {"version": "1.2.0"}),
    ("schedule/pause", {}),
    ("schedule/resume", {}),
]


@pytest.mark.parametrize(("action", "payload"), ACTIONS)
@pytest.mark.parametrize(
    ("who", "code"), [("reviewer", 403), ("developer", 403), ("stranger", 404)]
)
def test_only_who_may_publish_acts_on_a_task(world, action, payload, who, code):
    task_id = create(world, percentage=5).json()["id"]
    response = api(world[who].user).post(
        f"{world['base']}/{task_id}/{action}", payload, format="json"
    )
    assert response.status_code == code
    task = GrayscaleTask.objects.get(pk=task_id)
    assert (task.state, float(task.percentage), task.version.number) == (G.DELIVERING, 5.0, "1.1.0")


def test_the_matrices_cover_every_grayscale_route_and_method(world):
    """Generated from the URL configuration, as releases' own matrix: a new grayscale route or
    method fails here until a role matrix above covers it."""
    from django.urls import resolve

    from releases import api_urls
    from workspaces.tests.routes import routed_methods

    covered = {
        (resolve(world["base"]).url_name, "get"),  # the list (whoever reads releases)
        (resolve(world["base"]).url_name, "post"),  # create (what publishing needs)
        (resolve(f"{world['base']}/1").url_name, "get"),  # one task
        (resolve(f"{world['by_id']}/1").url_name, "get"),  # one task by its id alone
    }
    covered |= {(resolve(f"{world['base']}/1/{action}").url_name, "post") for action, _ in ACTIONS}
    routed = {r for r in routed_methods(api_urls.urlpatterns) if r[0].startswith("grayscale-")}
    assert routed and routed - covered == set()


def test_the_journey_of_a_task_through_every_action(world):
    client = api(world["admin"].user)
    created = create(
        world,
        "admin",
        platforms={"android": {"min": "12", "max": ""}},
        networks=["wifi"],
        accounts="alice\nbob",
        schedule=[{"percentage": 5, "hold_hours": 24}, {"percentage": 100, "hold_hours": 0}],
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["state"], data["version"], data["percentage"]) == ("delivering", "1.1.0", 5.0)
    assert data["platforms"] == {"android": {"min": "12", "max": ""}}
    assert data["target_objects"] == {"guid": 0, "device_id": 0, "account": 2}
    assert data["schedule"] == [
        {"percentage": 5.0, "hold_hours": 24.0},
        {"percentage": 100.0, "hold_hours": 0.0},
    ]
    assert (data["schedule_step"], data["reached_full"]) == (0, False)
    one = f"{world['base']}/{data['id']}"

    def post(action, payload=None):
        response = client.post(f"{one}/{action}", payload or {}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    assert post("schedule/pause")["schedule_paused"] is True
    assert post("schedule/resume")["schedule_paused"] is False
    assert post("percentage", {"percentage": 20})["percentage"] == 20.0
    assert post("suspend")["state"] == "suspended"
    assert post("resume")["state"] == "delivering"
    # The hotfix: 1.2.0 submitted (the task's release makes room) and approved, then swapped in.
    approve(
        world["owner"], ready_version(world["owner"], world["shop"], "1.2.0"), world["wallet"].pk
    )
    assert post("version", {"version": "1.2.0"})["version"] == "1.2.0"
    ended = post("end", {"note": "Hotfix verified"})
    assert (ended["state"], ended["end_reason"]) == ("ended", "manual")
    assert ended["ended_at"] is not None


def test_refusals_are_a_400_with_their_sentence(world):
    first = create(world, name="A name far longer than twenty")
    assert first.status_code == 400
    assert first.json()["error"]["fields"]["name"] == [
        "Keep the task name to 20 characters; this one has 29."
    ]
    task_id = create(world, percentage=20).json()["id"]
    down = api(world["owner"].user).post(
        f"{world['base']}/{task_id}/percentage", {"percentage": 10}, format="json"
    )
    assert down.status_code == 400
    assert down.json()["error"]["message"] == "The percentage may only go up: it is 20 % now."
    missing = create(world, version="9.9.9")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"]["version"] == [
        "This mini program has no version 9.9.9."
    ]
    unknown = api(world["owner"].user).get(f"{world['base']}/{task_id + 999}")
    assert unknown.status_code == 404


def test_a_txt_upload_reports_bad_lines_by_number_and_keeps_nothing(world):
    client = api(world["owner"].user)
    bad = SimpleUploadedFile("ids.txt", b"dev-1\ndev 2\ndev-3\n\x07dev-4\n", "text/plain")
    response = client.post(world["base"], {**body(), "device_ids_file": bad}, format="multipart")
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["device_ids"]
    assert [m.split(":")[0] for m in messages] == ["Line 2", "Line 4"]
    assert not GrayscaleTask.objects.exists()

    good = SimpleUploadedFile("ids.txt", b"dev-1\r\ndev-2\r\n", "text/plain")
    response = client.post(
        world["base"],
        {**body(), "device_ids_file": good, "platforms": '{"ios": {"min": "16"}}'},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["target_objects"]["device_id"] == 2
    assert response.json()["platforms"] == {"ios": {"min": "16", "max": ""}}
    wrong = SimpleUploadedFile("ids.csv", b"dev-1\n", "text/csv")
    response = client.post(world["base"], {**body(), "guids_file": wrong}, format="multipart")
    assert response.json()["error"]["fields"]["guids_file"] == [
        "Upload a .txt file: one value per line."
    ]


def _many_tasks(world, count: int, *, first: int = 0) -> None:
    now = timezone.now()
    target = world["target"]
    version = target.releases.get(state="approved").version
    for n in range(first, first + count):
        task = GrayscaleTask.objects.create(
            target=target,
            version=version,
            name=f"Task {n}",
            starts_at=now,
            ends_at=now + timedelta(days=1),
            max_users=10,
            created_by=world["owner"].user,
        )
        GrayscaleTargetList.objects.create(task=task, kind="guid", values="a\nb", count=2)


def _list_queries(world) -> int:
    client = api(world["reviewer"].user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(world["base"], {"page_size": 50})
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_1_and_30_tasks(world):
    _many_tasks(world, 1)
    one = _list_queries(world)
    _many_tasks(world, 29, first=1)
    thirty = _list_queries(world)
    assert thirty == one
    response = api(world["reviewer"].user).get(world["base"], {"page_size": 50})
    assert len(response.json()["results"]) == 30
    assert response.json()["results"][0]["name"] == "Task 29"  # newest first


def test_one_task_by_id_has_its_target_progress_schedule_and_history(world):
    owner = api(world["owner"].user)
    schedule = [{"percentage": 1, "hold_hours": 24}, {"percentage": 25, "hold_hours": 48}]
    task_id = create(world, schedule=schedule, accounts="alice\nbob", name="Staged").json()["id"]
    assert owner.post(f"{world['base']}/{task_id}/suspend", {"note": "Crashes"}).status_code == 200
    assert owner.post(f"{world['base']}/{task_id}/resume", {}).status_code == 200

    response = api(world["reviewer"].user).get(f"{world['by_id']}/{task_id}")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["target"] == {
        "id": world["target"].pk,
        "host_app": {"id": world["wallet"].pk, "name": "Acme Wallet"},
        "environment": "test",
    }
    assert data["progress"] == {"admitted_users": 0, "max_users": 500, "percent": 0.0}
    assert data["target_objects"] == {"guid": 0, "device_id": 0, "account": 2}
    assert data["percentage"] == 1.0
    state = data["schedule_state"]
    assert (state["step"], state["steps"], state["paused"], state["next_percentage"]) == (
        0,
        2,
        False,
        25.0,
    )
    started = timezone.datetime.fromisoformat(state["step_started_at"])
    assert timezone.datetime.fromisoformat(state["next_step_at"]) == started + timedelta(hours=24)
    history = [(h["action"], h["state"], h["note"]) for h in data["history"]]
    assert history == [
        ("grayscale.create", "pending", ""),
        ("grayscale.delivering", "delivering", "Start time came"),
        ("grayscale.suspended", "suspended", "Crashes"),
        ("grayscale.delivering", "delivering", ""),
    ]
    assert data["history"][0]["actor"]["email"] == world["owner"].user.email

    paused = owner.post(f"{world['base']}/{task_id}/schedule/pause", {})
    assert paused.status_code == 200
    state = owner.get(f"{world['by_id']}/{task_id}").json()["schedule_state"]
    assert (state["paused"], state["next_step_at"]) == (True, None)


def test_a_task_by_id_is_found_only_inside_its_mini_program(world, owner):
    task_id = create(world).json()["id"]
    other = create_miniprogram(owner, host_app_ids=[world["wallet"].pk], name="Other shop")
    elsewhere = world["by_id"].replace(world["shop"].app_id, other.app_id)
    response = api(owner.user).get(f"{elsewhere}/{task_id}")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "This mini program has no such grayscale task."
    assert api(owner.user).get(f"{world['by_id']}/{task_id + 1}").status_code == 404


def test_one_task_costs_the_same_queries_with_a_long_history(world):
    task_id = create(world, percentage=1).json()["id"]
    client = api(world["reviewer"].user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{world['by_id']}/{task_id}").status_code == 200
        return len(captured)

    short = queries()
    owner = api(world["owner"].user)
    for pct in (2, 3, 4, 5, 6):
        owner.post(f"{world['base']}/{task_id}/percentage", {"percentage": pct}, format="json")
    assert queries() == short
    assert len(client.get(f"{world['by_id']}/{task_id}").json()["history"]) == 7
