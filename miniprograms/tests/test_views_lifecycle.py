"""Mini program pages that change its lifecycle: "Release to", shelf, offline, delete."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from miniprograms.models import MiniProgram, MiniProgramHostApp, MiniProgramTester
from miniprograms.services.members import miniprogram_testers_add
from miniprograms.services.profile import miniprogram_profile_release
from miniprograms.tests import test_views as world
from miniprograms.tests.test_views import (
    DEVELOP,
    EVERYONE,
    MANAGE,
    assert_refused,
    login_as,
    message_texts,
    url,
)
from workspaces.models import AuditEvent

pytestmark = pytest.mark.django_db

# The world of test_views.py: host apps, a mini program with one of them, its developer (the
# tenant and its owner come from the project's conftest.py).
host_app, other_host_app, mp, developer = (
    world.host_app,
    world.other_host_app,
    world.mp,
    world.developer,
)


# --- role matrix -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_release_to_needs_develop(client, tenant, owner, mp, host_app, other_host_app, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(
        url("host-apps", tenant, mp.app_id), {"host_apps": [host_app.pk, other_host_app.pk]}
    )
    names = sorted(t.host_app.name for t in mp.targets.all())
    if who in DEVELOP:
        assert response.status_code == 302
        assert response["Location"] == url("detail", tenant, mp.app_id) + "#host-apps"
        assert names == ["Acme Travel", "Acme Wallet"]
    else:
        assert_refused(response, who)
        assert names == ["Acme Wallet"]


@pytest.mark.parametrize("who", EVERYONE)
def test_shelf_needs_manage(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url("shelf", tenant, mp.app_id), {"action": "off", "reason": "Audit"})
    mp.refresh_from_db()
    if who in MANAGE:
        assert response.status_code == 302
        assert (mp.shelf_status, mp.shelf_reason) == (MiniProgram.Shelf.OFF, "Audit")
    else:
        assert_refused(response, who)
        assert mp.is_on_shelf


@pytest.mark.parametrize("who", EVERYONE)
def test_taking_offline_needs_manage(client, tenant, owner, mp, host_app, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url("host-app-offline", tenant, mp.app_id, host_app.pk))
    target = MiniProgramHostApp.objects.get(miniprogram=mp, host_app=host_app)
    if who in MANAGE:
        assert response.status_code == 302
        assert target.status == MiniProgramHostApp.Status.OFFLINE
    else:
        assert_refused(response, who)
        assert target.is_active


@pytest.mark.parametrize("who", EVERYONE)
def test_delete_needs_delete_capability(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    get = client.get(url("delete", tenant, mp.app_id))
    post = client.post(url("delete", tenant, mp.app_id), {"confirm_name": mp.name})
    exists = MiniProgram.objects.filter(pk=mp.pk).exists()
    if who in MANAGE:
        assert get.status_code == 200
        assert post.status_code == 302 and post["Location"] == url("list", tenant)
        assert not exists
    else:
        assert_refused(get, who)
        assert_refused(post, who)
        assert exists


@pytest.mark.parametrize(
    "name", ["host-apps", "shelf", "members-assign", "testers-add", "offline", "unassign"]
)
def test_action_urls_answer_405_to_get(client, tenant, owner, mp, host_app, developer, name):
    client.force_login(owner.user)
    target = {
        "host-apps": url("host-apps", tenant, mp.app_id),
        "shelf": url("shelf", tenant, mp.app_id),
        "members-assign": url("developer-assign", tenant, mp.app_id),
        "testers-add": url("testers-add", tenant, mp.app_id),
        "offline": url("host-app-offline", tenant, mp.app_id, host_app.pk),
        "unassign": url("developer-unassign", tenant, mp.app_id, developer.user_id),
    }[name]
    assert client.get(target).status_code == 405


# --- "Release to" ------------------------------------------------------------------------------


def test_settings_tab_shows_release_to_with_the_current_host_apps_ticked(
    client, tenant, owner, mp, host_app, other_host_app
):
    client.force_login(owner.user)
    response = client.get(url("edit", tenant, mp.app_id))
    assert response.context["host_apps_form"].initial == {"host_apps": [str(host_app.pk)]}
    body = response.content.decode()
    assert 'id="release-to"' in body and "Acme Travel" in body


def test_developer_cannot_untick_a_host_app_but_an_admin_takes_it_offline(
    client, tenant, owner, mp, host_app, developer
):
    client.force_login(developer.user)
    response = client.post(url("host-apps", tenant, mp.app_id), {"host_apps": []}, follow=True)
    assert any("needs a Workspace Admin or the Owner" in m for m in message_texts(response))
    assert MiniProgramHostApp.objects.get(miniprogram=mp).is_active

    client.force_login(owner.user)
    response = client.post(url("host-apps", tenant, mp.app_id), {"host_apps": []}, follow=True)
    assert "The mini program is not released to any host app." in message_texts(response)
    assert MiniProgramHostApp.objects.get(miniprogram=mp).status == "offline"
    # Ticking it again releases it there again (the row and its data were kept).
    client.post(url("host-apps", tenant, mp.app_id), {"host_apps": [host_app.pk]})
    assert MiniProgramHostApp.objects.get(miniprogram=mp).is_active


def test_release_to_refuses_a_host_app_of_another_tenant(client, tenant, owner, mp):
    from workspaces.services.hostapps import host_app_create
    from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

    other = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    foreign, _ = host_app_create(actor=other, name="Foreign", platforms={"android": "f.f"})
    client.force_login(owner.user)
    response = client.post(
        url("host-apps", tenant, mp.app_id), {"host_apps": [foreign.pk]}, follow=True
    )
    assert any("Select a valid choice" in m for m in message_texts(response))
    assert not MiniProgramHostApp.objects.filter(host_app=foreign).exists()


# --- shelf ---------------------------------------------------------------------------------


def test_off_shelf_needs_a_reason_and_on_shelf_needs_none(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(url("shelf", tenant, mp.app_id), {"action": "off"}, follow=True)
    assert "Give a reason for taking it off shelf: members see it." in message_texts(response)
    mp.refresh_from_db()
    assert mp.is_on_shelf

    response = client.post(
        url("shelf", tenant, mp.app_id), {"action": "off", "reason": "Licence renewal"}, follow=True
    )
    mp.refresh_from_db()
    assert (mp.shelf_status, mp.shelf_reason) == ("off_shelf", "Licence renewal")
    assert any("is off shelf" in m for m in message_texts(response))
    body = response.content.decode()
    assert 'badge badge-red">Off shelf' in body and "Licence renewal" in body
    event = AuditEvent.objects.get(verb="miniprogram.off_shelf")
    assert event.after == {"shelf_status": "off_shelf", "reason": "Licence renewal"}

    settings_page = client.get(url("edit", tenant, mp.app_id)).content.decode()
    assert "Put on shelf" in settings_page and 'name="action" value="on"' in settings_page
    response = client.post(url("shelf", tenant, mp.app_id), {"action": "on"}, follow=True)
    mp.refresh_from_db()
    assert mp.is_on_shelf
    # Back on shelf, but never released: grey "Not released", not a green "On shelf".
    assert 'badge badge-neutral">Not released' in response.content.decode()
    assert 'badge badge-green">On shelf' not in response.content.decode()


def test_shelf_controls_are_only_shown_to_those_who_may_use_them(
    client, tenant, owner, mp, developer
):
    client.force_login(developer.user)
    body = client.get(url("edit", tenant, mp.app_id)).content.decode()
    assert url("shelf", tenant, mp.app_id) not in body
    assert url("delete", tenant, mp.app_id) not in body
    client.force_login(owner.user)
    body = client.get(url("edit", tenant, mp.app_id)).content.decode()
    assert url("shelf", tenant, mp.app_id) in body and "Take off shelf" in body
    assert url("delete", tenant, mp.app_id) in body


# --- offline from one host app ------------------------------------------------------------------


def test_take_offline_keeps_the_row_with_the_reason(client, tenant, owner, mp, host_app):
    client.force_login(owner.user)
    detail = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert url("host-app-offline", tenant, mp.app_id, host_app.pk) in detail
    response = client.post(
        url("host-app-offline", tenant, mp.app_id, host_app.pk),
        {"reason": "Contract paused"},
        follow=True,
    )
    target = MiniProgramHostApp.objects.get(miniprogram=mp, host_app=host_app)
    assert (target.status, target.offline_reason) == ("offline", "Contract paused")
    assert any("is offline in Acme Wallet" in m for m in message_texts(response))
    body = response.content.decode()
    assert "Taken offline" in body and "Contract paused" in body
    # A second time: the service refuses, the page says why.
    response = client.post(url("host-app-offline", tenant, mp.app_id, host_app.pk), follow=True)
    assert "The mini program is already offline in Acme Wallet." in message_texts(response)


def test_take_offline_from_a_host_app_it_is_not_released_to_is_404(
    client, tenant, owner, mp, other_host_app
):
    client.force_login(owner.user)
    response = client.post(url("host-app-offline", tenant, mp.app_id, other_host_app.pk))
    assert response.status_code == 404


# --- delete -----------------------------------------------------------------------------------


def test_delete_page_says_what_goes(client, tenant, owner, mp, developer):
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["t-1", "t-2", "t-3"])
    client.force_login(owner.user)
    body = client.get(url("delete", tenant, mp.app_id)).content.decode()
    assert "This cannot be undone." in body
    assert "its tester whitelist (3 accounts)" in body
    assert developer.user.name in body
    assert "Acme Wallet" in body
    assert f"The App ID {mp.app_id} is never issued again." in body


def test_delete_refuses_a_wrongly_typed_name(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(url("delete", tenant, mp.app_id), {"confirm_name": "coffee corner"})
    assert response.status_code == 200
    assert response.context["form"].errors["confirm_name"] == [
        "Type the name “Coffee Corner” exactly to confirm the deletion."
    ]
    assert MiniProgram.objects.filter(pk=mp.pk).exists()


def test_delete_removes_rows_and_files_and_goes_back_to_the_list(
    client, tenant, owner, mp, developer, django_capture_on_commit_callbacks
):
    miniprogram_profile_release(miniprogram_id=mp.pk)
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["t-1"])
    logo = mp.logo.name
    assert default_storage.exists(logo)
    client.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("delete", tenant, mp.app_id), {"confirm_name": "Coffee Corner"})
    assert response.status_code == 302 and response["Location"] == url("list", tenant)
    assert callbacks  # the file deletion task, queued on commit
    assert not MiniProgram.objects.filter(pk=mp.pk).exists()
    assert not MiniProgramTester.objects.exists()
    assert not default_storage.exists(logo)
    follow = client.get(response["Location"])
    assert f"“Coffee Corner” (App ID {mp.app_id}) is deleted." in message_texts(follow)
    assert AuditEvent.objects.filter(verb="miniprogram.delete").count() == 1
    # The assigned developer no longer sees it: the page is gone for everyone.
    client.force_login(developer.user)
    assert client.get(url("detail", tenant, mp.app_id)).status_code == 404
