"""Mini program pages: the role matrix of every page, the list, create, quick start, detail,
the staged edit and the logo. Lifecycle actions: test_views_lifecycle.py; members and testers:
test_views_members.py."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from miniprograms import validators
from miniprograms.models import Industry, MiniProgram, MiniProgramHostApp
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.services.profile import miniprogram_profile_release, miniprogram_update_profile
from miniprograms.tests.factories import create_miniprogram, logo_upload, profile_input
from workspaces.models import AuditEvent, Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

# Who asks: a role in the workspace, a Developer assigned to the mini program ("developer") or
# not ("unassigned"), the Owner of another workspace, or nobody.
EVERYONE = ["owner", "admin", "reviewer", "developer", "unassigned", "outsider", "anonymous"]
VIEW = {"owner", "admin", "reviewer", "developer"}
DEVELOP = {"owner", "admin", "developer"}
MANAGE = {"owner", "admin"}


# --- the world and the matrix helpers (shared by the other test_views_* modules) -------------


@pytest.fixture
def host_app(owner):
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.b"})
    return app


@pytest.fixture
def other_host_app(owner):
    app, _secret = host_app_create(actor=owner, name="Acme Travel", platforms={"ios": "a.t"})
    return app


@pytest.fixture
def mp(owner, host_app):
    return create_miniprogram(owner, host_app_ids=[host_app.pk])


@pytest.fixture
def developer(tenant, owner, mp):
    """Overrides the shared ``developer``: this one is assigned to ``mp``."""
    member = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=member.user_id)
    return member


def login_as(client, workspace, who, *, assigned_to=None, owner=None):
    """Sign ``client`` in as ``who`` (see EVERYONE); returns the membership (None: anonymous)."""
    if who == "anonymous":
        return None
    if who == "owner":  # a workspace has exactly one
        member = owner or Membership.objects.get(workspace=workspace, role="owner")
    elif who == "outsider":
        member = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    elif who in ("developer", "unassigned"):
        member = MembershipFactory(workspace=workspace, role="developer")
        if who == "developer" and assigned_to is not None:
            miniprogram_developer_assign(
                actor=owner, miniprogram=assigned_to, user_id=member.user_id
            )
    else:
        member = MembershipFactory(workspace=workspace, role=who)
    client.force_login(member.user)
    return member


def assert_refused(response, who, *, per_miniprogram=True):
    """Anonymous → sign-in; outsider (and an unassigned Developer on a mini program's page,
    who must not learn it exists) → 404; any other member → 403."""
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif who == "outsider" or (who == "unassigned" and per_miniprogram):
        assert response.status_code == 404
    else:
        assert response.status_code == 403


def url(name, workspace, *args):
    return reverse(f"miniprograms:{name}", args=[workspace.slug, *args])


def form_data(**overrides):
    data = {
        "default_language": "en",
        "name": "Tea House",
        "tagline": "Fresh tea, delivered to you",
        "description": "Order loose-leaf tea and teaware from our shop and get it delivered.",
        "industry": "coffee-tea",
        "service_phone": "0571-26888888",
        "service_email": "help@tea.example",
        "lang-TOTAL_FORMS": "2",
        "lang-INITIAL_FORMS": "0",
        "lang-MIN_NUM_FORMS": "0",
        "lang-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def edit_data(mp, **overrides):
    data = form_data(
        name=mp.name,
        tagline=mp.tagline,
        description=mp.description,
        industry=mp.industry.code,
        service_phone=mp.service_phone,
        service_email=mp.service_email,
        **{"lang-TOTAL_FORMS": str(mp.languages.count() + 2)},
    )
    data.pop("default_language")
    for i, row in enumerate(mp.languages.all()):
        for key in ("language", "name", "tagline", "description"):
            data[f"lang-{i}-{key}"] = getattr(row, key)
    data["lang-INITIAL_FORMS"] = str(mp.languages.count())
    data.update(overrides)
    return data


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- role matrix: every page -----------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_list_is_for_every_member_developers_see_only_their_own(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("list", tenant))
    if who in VIEW | {"unassigned"}:
        assert response.status_code == 200
        body = response.content.decode()
        assert (mp.app_id in body) == (who != "unassigned")
    else:
        assert_refused(response, who, per_miniprogram=False)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("name", ["create", "wizard"])
def test_creating_needs_owner_or_admin(client, tenant, owner, mp, who, name):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    get = client.get(url(name, tenant))
    post = client.post(url(name, tenant), {**form_data(), "logo": logo_upload()})
    created = MiniProgram.objects.filter(workspace=tenant, name="Tea House").first()
    if who in MANAGE:
        assert get.status_code == 200
        assert post.status_code == 302
        assert created is not None
        step2 = url("wizard-members", tenant, created.app_id)
        assert post["Location"] == (
            step2 if name == "wizard" else url("detail", tenant, created.app_id)
        )
    else:
        assert_refused(get, who, per_miniprogram=False)
        assert_refused(post, who, per_miniprogram=False)
        assert created is None


@pytest.mark.parametrize("who", EVERYONE)
def test_detail_is_for_whoever_sees_the_miniprogram(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("detail", tenant, mp.app_id))
    if who in VIEW:
        assert response.status_code == 200
        assert mp.app_id in response.content.decode()
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_logo_is_for_whoever_sees_the_miniprogram(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("logo", tenant, mp.app_id))
    if who in VIEW:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_editing_needs_develop_on_the_miniprogram(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    get = client.get(url("edit", tenant, mp.app_id))
    post = client.post(
        url("edit", tenant, mp.app_id), edit_data(mp, tagline="A brand new tagline!")
    )
    mp.refresh_from_db()
    if who in DEVELOP:
        assert get.status_code == 200
        assert f'value="{mp.app_id}"' not in get.content.decode()  # no App ID input: immutable
        assert post.status_code == 302
        assert post["Location"] == url("detail", tenant, mp.app_id)
        assert mp.tagline == "A brand new tagline!"
    else:
        assert_refused(get, who)
        assert_refused(post, who)
        assert mp.tagline == "Order ahead, skip the line"


@pytest.mark.parametrize("who", EVERYONE)
def test_quick_start_members_step_needs_manage(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("wizard-members", tenant, mp.app_id))
    if who in MANAGE:
        assert response.status_code == 200
    else:
        assert_refused(response, who)


def test_unassigned_developer_gets_the_same_404_as_for_a_missing_app_id(client, tenant, mp):
    login_as(client, tenant, "unassigned")
    assert client.get(url("detail", tenant, mp.app_id)).status_code == 404
    assert client.get(url("detail", tenant, "1" * 16)).status_code == 404


def test_another_workspaces_miniprogram_is_404_under_my_slug(client, tenant, owner, mp):
    mine = WorkspaceFactory(kind="tenant")
    member = MembershipFactory(workspace=mine, role="owner")
    client.force_login(member.user)
    assert client.get(url("detail", mine, mp.app_id)).status_code == 404
    assert client.get(url("logo", mine, mp.app_id)).status_code == 404


# --- list --------------------------------------------------------------------------------------


def test_list_filters_by_search_status_host_app_and_assignee(
    client, tenant, owner, host_app, other_host_app
):
    tea = create_miniprogram(owner, name="Tea House", host_app_ids=[host_app.pk])
    bikes = create_miniprogram(owner, name="Bike Share", host_app_ids=[other_host_app.pk])
    bikes.shelf_status = MiniProgram.Shelf.OFF
    bikes.save()
    dev = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=bikes, user_id=dev.user_id)
    client.force_login(owner.user)

    def names(**params):
        response = client.get(url("list", tenant), params)
        assert response.status_code == 200
        return [m.name for m in response.context["miniprograms"]]

    assert names() == ["Bike Share", "Tea House"]
    assert names(q="tea") == ["Tea House"]
    assert names(q=bikes.app_id) == ["Bike Share"]
    assert names(q=bikes.app_id[:8]) == sorted(
        [m.name for m in (tea, bikes) if m.app_id.startswith(bikes.app_id[:8])], reverse=True
    )
    assert names(status="off_shelf") == ["Bike Share"]
    assert names(status="not_released") == ["Tea House"]  # as its badge says
    assert names(status="on_shelf") == []
    MiniProgram.objects.filter(pk=tea.pk).update(released_at=timezone.now())  # a release
    assert names(status="on_shelf") == ["Tea House"]
    assert names(host_app=host_app.pk) == ["Tea House"]
    assert names(assigned=dev.user_id) == ["Bike Share"]
    assert names(status="bogus") == ["Bike Share", "Tea House"]  # invalid filter: no filter


def test_list_row_shows_app_id_with_copy_kind_status_and_host_apps(client, tenant, owner, mp):
    client.force_login(owner.user)
    body = client.get(url("list", tenant)).content.decode()
    assert f'data-copy="{mp.app_id}"' in body
    assert "Tenant" in body and "On shelf" in body and "Acme Wallet" in body
    assert url("logo", tenant, mp.app_id) in body
    assert "1–1 of 1" in body  # pagination with the total


def test_assigned_filter_is_only_for_those_who_assign(client, tenant, owner, mp):
    login_as(client, tenant, "reviewer")
    assert "assigned" not in client.get(url("list", tenant)).context["filters"].fields
    client.force_login(owner.user)
    assert "assigned" in client.get(url("list", tenant)).context["filters"].fields


def test_empty_list_offers_the_quick_start_to_admins_and_explains_to_developers(
    client, tenant, owner
):
    client.force_login(owner.user)
    body = client.get(url("list", tenant)).content.decode()
    assert "No mini programs yet" in body and url("wizard", tenant) in body
    login_as(client, tenant, "unassigned")
    body = client.get(url("list", tenant)).content.decode()
    assert "No mini programs assigned to you yet" in body
    assert url("wizard", tenant) not in body


def _bulk_miniprograms(workspace, host_app, count, *, year=2025):
    """``count`` mini programs released to ``host_app``, written in bulk (fast)."""
    industry = Industry.objects.get(code="coffee-tea")
    rows = MiniProgram.objects.bulk_create(
        MiniProgram(
            workspace=workspace,
            app_id=f"{year}{n:012d}",
            kind="tenant",
            name=f"Program {year}-{n:04d}",
            tagline="Order ahead, skip the line",
            description="Order coffee and pastries ahead and pick them up.",
            logo="miniprogram-logos/x.png",
            industry=industry,
            service_phone="0571-26888888",
            service_email="a@b.example",
        )
        for n in range(1, count + 1)
    )
    MiniProgramHostApp.objects.bulk_create(
        MiniProgramHostApp(miniprogram=mp, host_app=host_app) for mp in rows
    )
    return rows


@pytest.mark.parametrize("who", ["owner", "developer"])
def test_list_query_count_does_not_grow_with_rows(
    client, tenant, owner, host_app, who, django_assert_max_num_queries
):
    member = login_as(client, tenant, who)

    def add(count, year):
        for mp in _bulk_miniprograms(tenant, host_app, count, year=year):
            if who == "developer":
                miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=member.user_id)

    add(1, 2025)
    with CaptureQueriesContext(connection) as one_row:
        assert len(client.get(url("list", tenant)).context["miniprograms"]) == 1
    add(199, 2026)
    with django_assert_max_num_queries(len(one_row)):
        response = client.get(url("list", tenant))
    assert len(response.context["miniprograms"]) == 50
    assert response.context["page_obj"].paginator.count == 200


# --- create --------------------------------------------------------------------------------


def test_create_with_every_field_extra_languages_and_host_apps(
    client, tenant, owner, host_app, other_host_app
):
    client.force_login(owner.user)
    data = form_data(
        host_apps=[str(host_app.pk), str(other_host_app.pk)],
        **{
            "lang-0-language": "ja",
            "lang-0-name": "お茶の家",
            "lang-0-tagline": "新鮮なお茶をお届けします。毎日",
            "lang-0-description": "茶葉と茶器を注文して、ご自宅に届けてもらえるアプリです。",
        },
    )
    response = client.post(url("create", tenant), {**data, "logo": logo_upload()})
    mp = MiniProgram.objects.get(workspace=tenant)
    assert response.status_code == 302
    assert response["Location"] == url("detail", tenant, mp.app_id)
    assert (mp.name, mp.industry.code, mp.kind, mp.created_by) == (
        "Tea House",
        "coffee-tea",
        "tenant",
        owner.user,
    )
    assert [(row.language, row.name) for row in mp.languages.all()] == [("ja", "お茶の家")]
    assert sorted(t.host_app.name for t in mp.targets.all()) == ["Acme Travel", "Acme Wallet"]
    assert mp.logo and mp.logo.storage.exists(mp.logo.name)
    assert AuditEvent.objects.filter(verb="miniprogram.create", workspace=tenant).count() == 1
    follow = client.get(response["Location"])
    assert f"Its App ID is {mp.app_id}" in " ".join(message_texts(follow))


def test_create_errors_are_by_field_with_the_validators_words_and_input_is_kept(
    client, tenant, owner
):
    client.force_login(owner.user)
    data = form_data(name="ab", tagline="Too short", service_phone="12345", industry="")
    response = client.post(url("create", tenant), {**data, "logo": logo_upload(size=(300, 200))})
    assert response.status_code == 200
    assert not MiniProgram.objects.exists()
    form = response.context["form"]
    expected = {}
    for field, check, value in (
        ("name", validators.validate_name, "ab"),
        ("tagline", validators.validate_tagline, "Too short"),
        ("service_phone", validators.validate_service_phone, "12345"),
    ):
        with pytest.raises(validators.ValidationError) as exc:
            check(value)
        expected[field] = exc.value.messages
        assert form.errors[field] == exc.value.messages
    assert form.errors["industry"] == ["Choose an industry from the list."]
    with pytest.raises(validators.ValidationError) as exc:
        validators.validate_logo(logo_upload(size=(300, 200)))
    assert (
        form.errors["logo"]
        == exc.value.messages
        == ["The logo must be square (1:1); this one is 300×200."]
    )
    body = response.content.decode()
    for messages_ in expected.values():
        assert escape(messages_[0]) in body  # next to the field and in the summary
    assert body.count(escape(expected["name"][0])) == 2
    assert "Please fix the 5 problems below." in body
    # What was typed is still there; the logo must be chosen again and the page says so.
    assert 'value="ab"' in body and 'value="Too short"' in body and 'value="12345"' in body
    assert "Order loose-leaf tea" in body
    assert "choose the logo file again" in body


def test_name_width_counts_cjk_as_two_units(client, tenant, owner):
    client.force_login(owner.user)
    response = client.post(
        url("create", tenant), {**form_data(name="茶" * 16), "logo": logo_upload()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"][0].startswith("The name is 32 units long")
    response = client.post(
        url("create", tenant), {**form_data(name="茶" * 15), "logo": logo_upload()}
    )
    assert response.status_code == 302
    assert MiniProgram.objects.get().name == "茶" * 15


def test_a_name_taken_in_the_workspace_comes_back_on_the_name_field(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(
        url("create", tenant), {**form_data(name=mp.name.upper()), "logo": logo_upload()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        f"A mini program named “{mp.name.upper()}” already exists in this workspace."
    ]


def test_extra_language_rows_are_checked_row_by_row(client, tenant, owner):
    client.force_login(owner.user)
    data = form_data(
        **{
            "lang-0-language": "en",  # the default language
            "lang-0-name": "Tea House EN",
            "lang-0-tagline": "Fresh tea, delivered to you",
            "lang-0-description": "Order loose-leaf tea and teaware from our shop today.",
            "lang-1-language": "",
            "lang-1-name": "x",  # typed without a language, and too short
        }
    )
    response = client.post(url("create", tenant), {**data, "logo": logo_upload()})
    assert response.status_code == 200
    rows = response.context["form"].languages.forms
    assert rows[0].errors["language"] == [
        "English is the default language: its texts are the main name, tagline and description."
    ]
    assert rows[1].errors["language"] == ["Choose the language of these texts."]
    with pytest.raises(validators.ValidationError) as exc:
        validators.validate_name("x")
    assert rows[1].errors["name"] == exc.value.messages
    body = response.content.decode()
    assert "Other language 2, Name" in body
    assert not MiniProgram.objects.exists()


def test_create_form_offers_industries_as_a_searchable_field_and_ships_the_width_ranges(
    client, tenant, owner
):
    client.force_login(owner.user)
    body = client.get(url("create", tenant)).content.decode()
    # A text field with suggestions (<input list> + <datalist>), not a tall list box.
    assert 'list="industry-options"' in body and '<datalist id="industry-options">' in body
    assert '<option value="Food &amp; Beverage › Coffee &amp; tea"></option>' in body
    assert "<select" not in body.split('id="id_industry"')[0].rsplit("<", 1)[-1]
    assert 'name="industry"' in body and "<optgroup" not in body
    assert '<script id="mp-wide-ranges" type="application/json">[[4352, 4607]' in body
    assert 'data-counter="width"' in body and 'data-counter="chars"' in body
    assert validators.HELP["name"] in body and escape(validators.HELP["service_phone"]) in body
    assert body.count('name="lang-') >= 2 * 4  # two blank language rows without JavaScript


def test_create_without_host_apps_explains_and_links_to_adding_one(client, tenant, owner):
    client.force_login(owner.user)
    body = client.get(url("create", tenant)).content.decode()
    assert "No host apps yet" in body
    assert reverse("workspaces:host-app-create", args=[tenant.slug]) in body


def test_developer_workspace_without_tenant_says_why_there_are_no_host_apps(client):
    workspace = WorkspaceFactory(kind="developer")
    member = MembershipFactory(workspace=workspace, role="owner")
    client.force_login(member.user)
    body = client.get(url("create", workspace)).content.decode()
    assert "was not created by a tenant" in body


def test_developer_workspace_releases_into_its_tenants_host_apps(client, tenant, host_app):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    member = MembershipFactory(workspace=merchant, role="admin")
    client.force_login(member.user)
    response = client.post(
        url("create", merchant),
        {**form_data(host_apps=[str(host_app.pk)]), "logo": logo_upload()},
    )
    assert response.status_code == 302
    mp = MiniProgram.objects.get(workspace=merchant)
    assert mp.kind == MiniProgram.Kind.MERCHANT
    assert [t.host_app_id for t in mp.targets.all()] == [host_app.pk]


# --- quick start ---------------------------------------------------------------------------


def test_quick_start_step_one_creates_then_asks_for_members(client, tenant, owner):
    client.force_login(owner.user)
    page = client.get(url("wizard", tenant)).content.decode()
    assert "Skip for now" in page and reverse("console:dashboard", args=[tenant.slug]) in page
    response = client.post(url("wizard", tenant), {**form_data(), "logo": logo_upload()})
    mp = MiniProgram.objects.get()
    assert response["Location"] == url("wizard-members", tenant, mp.app_id)
    step2 = client.get(response["Location"]).content.decode()
    assert f'data-copy="{mp.app_id}"' in step2
    assert "Enter console" in step2 and url("detail", tenant, mp.app_id) in step2


def test_quick_start_step_one_keeps_input_on_error(client, tenant, owner):
    client.force_login(owner.user)
    response = client.post(url("wizard", tenant), form_data(tagline="short"))
    assert response.status_code == 200
    assert response.context["wizard"] is True
    assert 'value="Tea House"' in response.content.decode()
    assert response.context["form"].errors["logo"] == ["Upload a logo."]


# --- detail and the staged edit --------------------------------------------------------------


def test_detail_before_the_first_release_says_the_profile_shows_after_it(client, tenant, owner, mp):
    client.force_login(owner.user)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert "Not released yet." in body
    assert "Pending until the next release" not in body
    assert "may call any domain by default" in body
    assert "Acme Wallet" in body and "Active" in body
    assert f'/miniprograms/{mp.app_id}/versions/"' in body  # the Versions tab, now a link


def test_staged_edit_shows_pending_draft_beside_released_values(client, tenant, owner, mp):
    miniprogram_profile_release(miniprogram_id=mp.pk)
    client.force_login(owner.user)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert "Pending until the next release" not in body  # nothing edited since the release

    response = client.post(
        url("edit", tenant, mp.app_id),
        {
            **edit_data(mp, name="Coffee Corner Plus", tagline="Order ahead, never wait again"),
            "logo": logo_upload(size=(128, 128)),
        },
    )
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert any("staged" in m for m in message_texts(follow))
    body = follow.content.decode()
    assert "Pending until the next release" in body
    changes = {c.key: c for c in follow.context["changes"]}
    assert set(changes) == {"name", "tagline", "logo"}
    assert (changes["name"].draft, changes["name"].released) == (
        "Coffee Corner Plus",
        "Coffee Corner",
    )
    assert "Order ahead, never wait again" in body and "Order ahead, skip the line" in body
    assert f"{url('logo', tenant, mp.app_id)}?released=1" in body

    # The next release copies the draft: nothing is pending any more.
    miniprogram_profile_release(miniprogram_id=mp.pk)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert "Pending until the next release" not in body


def test_edit_is_prefilled_and_keeps_the_logo_when_none_is_chosen(client, tenant, owner):
    mp = create_miniprogram(
        owner,
        languages=[
            {
                "language": "ja",
                "name": "コーヒー",
                "tagline": "並ばずに注文できます。便利です",
                "description": "コーヒーとペストリーを事前に注文して、待たずに受け取れます。",
            }
        ],
    )
    client.force_login(owner.user)
    response = client.get(url("edit", tenant, mp.app_id))
    form = response.context["form"]
    assert form.initial["name"] == "Coffee Corner"
    assert "default_language" not in form.fields and "host_apps" not in form.fields
    assert form.languages.forms[0].initial["name"] == "コーヒー"
    assert len(form.languages.forms) == 3  # the language, then two blank rows
    logo = mp.logo.name

    data = edit_data(mp, description="A new description that is long enough.")
    for key in ("language", "name", "tagline", "description"):  # emptying a row removes it
        data[f"lang-0-{key}"] = ""
    response = client.post(url("edit", tenant, mp.app_id), data)
    assert response.status_code == 302
    mp.refresh_from_db()
    assert mp.logo.name == logo
    assert mp.description == "A new description that is long enough."
    assert not mp.languages.exists()


def test_edit_errors_come_back_with_the_input(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(
        url("edit", tenant, mp.app_id), edit_data(mp, service_email="not-an-email")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["service_email"] == [
        "“not-an-email” is not a valid email address."
    ]
    assert 'value="not-an-email"' in response.content.decode()
    mp.refresh_from_db()
    assert mp.service_email == "help@coffee.example"


def test_description_line_breaks_count_once(client, tenant, owner, mp):
    client.force_login(owner.user)
    text = "Line one of it.\r\nLine two!"  # 24 characters with a one-character line break
    response = client.post(url("edit", tenant, mp.app_id), edit_data(mp, description=text))
    assert response.status_code == 302
    mp.refresh_from_db()
    assert mp.description == "Line one of it.\nLine two!"


def test_released_logo_is_served_only_after_a_release(client, tenant, owner, mp):
    client.force_login(owner.user)
    assert client.get(url("logo", tenant, mp.app_id) + "?released=1").status_code == 404
    miniprogram_profile_release(miniprogram_id=mp.pk)
    released = mp.logo.name
    miniprogram_update_profile(
        actor=owner, miniprogram=mp, profile=profile_input(), logo=logo_upload(size=(64, 64))
    )
    mp.refresh_from_db()
    assert mp.logo.name != released
    response = client.get(url("logo", tenant, mp.app_id) + "?released=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


# --- the shell: sidebar, search box, dashboard ------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "reviewer", "developer"])
def test_every_member_has_the_sidebar_item_and_the_search_box(client, tenant, owner, role):
    login_as(client, tenant, role, owner=owner)
    body = client.get(reverse("console:dashboard", args=[tenant.slug])).content.decode()
    assert f'href="{url("list", tenant)}"' in body
    assert 'placeholder="Search mini programs (name or App ID)"' in body
    assert f'action="{url("list", tenant)}"' in body


def test_dashboard_offers_the_quick_start_until_there_is_a_miniprogram(client, tenant, owner):
    client.force_login(owner.user)
    dashboard = reverse("console:dashboard", args=[tenant.slug])
    body = client.get(dashboard).content.decode()
    assert "Create your first mini program" in body and url("wizard", tenant) in body
    mp = create_miniprogram(owner)
    body = client.get(dashboard).content.decode()
    assert "Create your first mini program" not in body
    assert mp.name in body and url("detail", tenant, mp.app_id) in body


def test_dashboard_tells_a_developer_without_assignments_to_ask(client, tenant, owner, mp):
    login_as(client, tenant, "unassigned")
    body = client.get(reverse("console:dashboard", args=[tenant.slug])).content.decode()
    assert "No mini programs are assigned to you yet" in body
    assert "Create your first mini program" not in body
    assert mp.name not in body


def test_a_new_owner_lands_on_the_dashboard_with_the_quick_start(client):
    from workspaces.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("onboarding:workspace-create"),
        {"name": "Nova Super App", "kind": "tenant", "default_language": "en"},
        follow=True,
    )
    workspace = Workspace.objects.get(name="Nova Super App")
    assert Membership.objects.get(workspace=workspace).role == "owner"
    assert "Create your first mini program" in response.content.decode()


def test_dashboard_lists_recent_versions_of_visible_mini_programs_only(client, tenant, owner, mp):
    """The Overview's "Recent versions" card: this week's count and the newest, with status."""
    from django.core.files.base import ContentFile

    from releases.services.versions import version_upload
    from releases.tests.packages import zip_bytes
    from workspaces.services.workspaces import membership_add

    version_upload(
        actor=owner,
        miniprogram=mp,
        number="1.0.0",
        package=ContentFile(zip_bytes(), name="p.zip"),
        notes="first",
    )
    client.force_login(owner.user)
    body = client.get(reverse("console:dashboard", args=[tenant.slug])).content.decode()
    assert "data-recent-versions" in body
    assert reverse("releases:version", args=[tenant.slug, mp.app_id, "1.0.0"]) in body
    assert "Scanning" in body  # on-commit work never ran in this test: still scanning

    developer = membership_add(workspace=tenant, user=UserFactory(), role="developer")
    client.force_login(developer.user)
    body = client.get(reverse("console:dashboard", args=[tenant.slug])).content.decode()
    assert "data-recent-versions" not in body  # not assigned: the version is not theirs to see
