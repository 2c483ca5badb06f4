"""Message template pages: the tenant's library (list, add, retire) and a mini program's
Subscription messages tab (My Templates, choose, pick and order keywords, edit, delete); role
matrices, kept input and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from miniprograms.subscriptions.selectors import library_workspace_ids
from miniprograms.subscriptions.services import my_template_create, template_library_ensure
from miniprograms.tests.factories import audit, create_miniprogram
from workspaces.models import Membership
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory


@pytest.fixture
def library(tenant):
    template_library_ensure(workspace=tenant)
    return {t.title: t for t in PublicTemplate.objects.filter(workspace=tenant)}


@pytest.fixture
def flight(library):
    return library["Flight status update"]


def member(workspace, role):
    if role == "owner":
        return Membership.objects.get(workspace=workspace, role="owner")
    return MembershipFactory(workspace=workspace, role=role)


def lib_url(name, tenant, *args):
    return reverse(f"development:{name}", args=[tenant.slug, *args])


def tab_url(name, program, *args):
    return reverse(f"miniprograms:{name}", args=[program.workspace.slug, program.app_id, *args])


def add(actor, program, template, keywords):
    return my_template_create(
        actor=actor,
        miniprogram=program,
        public_template=template,
        keywords=keywords,
        library_workspace_ids=library_workspace_ids(miniprogram=program),
    )


# --- the library -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_library_is_seeded_on_first_visit_and_filters(client, tenant, owner):
    client.force_login(owner.user)
    response = client.get(lib_url("message-templates", tenant))
    assert response.status_code == 200
    assert "Order confirmed" in response.content.decode()
    response = client.get(lib_url("message-templates", tenant), {"q": "flight"})
    assert [t.title for t in response.context["templates"]] == ["Flight status update"]
    response = client.get(
        lib_url("message-templates", tenant), {"kind": "long_term", "category": "Medical"}
    )
    assert [t.title for t in response.context["templates"]] == [
        "Doctor appointment reminder",
        "Test results available",
    ]


@pytest.mark.django_db
def test_a_developer_workspace_has_no_library_page(client, tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    client.force_login(lead.user)
    assert client.get(lib_url("message-templates", merchant)).status_code == 404
    assert client.get(lib_url("message-template-create", merchant)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 302), ("admin", 302), ("reviewer", 403), ("developer", 403)],
)
def test_only_owner_and_admins_add_and_retire_templates(client, tenant, owner, role, status):
    template_library_ensure(workspace=tenant)
    client.force_login(member(tenant, role).user)
    data = {
        "title": "Parking fee due",
        "category": "Transport",
        "kind": "long_term",
        "keywords": "Plate number\nCar park\nEntry time\nFee\nDue date",
    }
    response = client.post(lib_url("message-template-create", tenant), data)
    assert response.status_code == status
    assert PublicTemplate.objects.filter(title="Parking fee due").exists() == (status == 302)
    flight = PublicTemplate.objects.get(workspace=tenant, title="Flight status update")
    response = client.post(lib_url("message-template-retire", tenant, flight.pk), {"retired": "1"})
    assert response.status_code == status
    flight.refresh_from_db()
    assert flight.is_retired == (status == 302)


@pytest.mark.django_db
def test_the_add_form_keeps_the_input_on_error(client, tenant, admin, library):
    client.force_login(admin.user)
    data = {"title": "Order CONFIRMED", "category": "Orders", "kind": "one_time", "keywords": "A"}
    response = client.post(lib_url("message-template-create", tenant), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "already has" in form.errors["title"][0]
    assert "5 to 15 keywords" in form.errors["keywords"][0]
    assert 'value="Order CONFIRMED"' in response.content.decode()


@pytest.mark.django_db
def test_library_list_queries_do_not_grow_with_rows(client, tenant, owner, library):
    client.force_login(owner.user)
    url = lib_url("message-templates", tenant)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    PublicTemplate.objects.bulk_create(
        [
            PublicTemplate(
                workspace=tenant,
                title=f"Extra {i}",
                category="Orders",
                kind="one_time",
                keywords=["A", "B", "C", "D", "E"],
            )
            for i in range(10)
        ]
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- the Subscription messages tab -------------------------------------------------------------


@pytest.mark.django_db
def test_pick_order_and_save_a_template_without_javascript(client, owner, flight):
    program = create_miniprogram(owner)
    client.force_login(owner.user)
    assert client.get(tab_url("subscriptions", program)).status_code == 200
    choose = client.get(tab_url("subscriptions-choose", program), {"q": "flight"})
    assert [t.title for t in choose.context["templates"]] == ["Flight status update"]
    url = tab_url("subscriptions-add", program, flight.pk)
    assert client.get(url).status_code == 200
    # tick two and refresh, then move the second up: nothing is saved meanwhile
    response = client.post(url, {"keywords": ["Gate", "Status"], "refresh": "1"})
    assert response.context["chosen"] == ["Gate", "Status"]
    response = client.post(url, {"keywords": ["Gate", "Status"], "move": "up:Status"})
    assert response.context["chosen"] == ["Status", "Gate"]
    body = response.content.decode()
    assert body.index("<dt>Status</dt>") < body.index("<dt>Gate</dt>")  # the preview
    assert not MyTemplate.objects.exists()
    response = client.post(url, {"keywords": ["Status", "Gate"], "save": "1"})
    assert response.status_code == 302
    mine = MyTemplate.objects.get()
    assert mine.keywords == ["Status", "Gate"]
    listing = client.get(tab_url("subscriptions", program))
    assert mine.template_id in listing.content.decode()


@pytest.mark.django_db
def test_the_picker_keeps_the_choice_on_error(client, owner, flight):
    program = create_miniprogram(owner)
    add(owner, program, flight, ["Gate", "Status"])
    client.force_login(owner.user)
    url = tab_url("subscriptions-add", program, flight.pk)
    response = client.post(url, {"keywords": ["Status", "Gate"], "save": "1"})
    assert response.status_code == 200
    assert "already has" in response.context["form"].errors["keywords"][0]
    assert response.context["chosen"] == ["Status", "Gate"]
    six = ["Flight number", "Departure", "Destination", "Gate", "Status", "Seat"]
    response = client.post(url, {"keywords": six, "save": "1"})
    assert "1 to 5 keywords" in response.context["form"].errors["keywords"][0]
    assert response.context["chosen"] == six
    assert MyTemplate.objects.count() == 1


@pytest.mark.django_db
def test_edit_and_delete_are_audited(client, owner, flight):
    program = create_miniprogram(owner)
    mine = add(owner, program, flight, ["Gate", "Status"])
    client.force_login(owner.user)
    edit = tab_url("subscriptions-edit", program, mine.template_id)
    assert client.get(edit).context["chosen"] == ["Gate", "Status"]
    response = client.post(edit, {"keywords": ["Status", "Gate", "Seat"], "save": "1"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.keywords == ["Status", "Gate", "Seat"]
    assert len(audit("my_template.update")) == 1
    response = client.post(tab_url("subscriptions-delete", program, mine.template_id))
    assert response.status_code == 302
    assert not MyTemplate.objects.exists()
    assert len(audit("my_template.delete")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("owner", 200, 302),
        ("admin", 200, 302),
        ("reviewer", 200, 403),
        ("developer", 404, 404),
        ("assigned", 200, 302),
    ],
)
def test_developers_edit_and_viewers_read(client, tenant, owner, flight, role, read, write):
    program = create_miniprogram(owner)
    mine = add(owner, program, flight, ["Gate"])
    if role == "assigned":
        actor = MembershipFactory(workspace=tenant, role="developer")
        miniprogram_developer_assign(actor=owner, miniprogram=program, user_id=actor.user_id)
    else:
        actor = member(tenant, role)
    client.force_login(actor.user)
    assert client.get(tab_url("subscriptions", program)).status_code == read
    response = client.post(
        tab_url("subscriptions-add", program, flight.pk), {"keywords": ["Seat"], "save": "1"}
    )
    assert response.status_code == write
    response = client.post(tab_url("subscriptions-delete", program, mine.template_id))
    assert response.status_code == write
    assert MyTemplate.objects.filter(pk=mine.pk).exists() == (write != 302)


@pytest.mark.django_db
def test_another_workspace_gets_404(client, owner, flight):
    program = create_miniprogram(owner)
    mine = add(owner, program, flight, ["Gate"])
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    client.force_login(stranger.user)
    assert client.get(tab_url("subscriptions", program)).status_code == 404
    assert (
        client.post(tab_url("subscriptions-delete", program, mine.template_id)).status_code == 404
    )


@pytest.mark.django_db
def test_my_templates_list_queries_do_not_grow(client, owner, library):
    program = create_miniprogram(owner)
    client.force_login(owner.user)
    url = tab_url("subscriptions", program)
    add(owner, program, library["Order confirmed"], ["Amount"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for title in ("Order shipped", "Delivered", "Flight status update", "Payment successful"):
        add(owner, program, library[title], [library[title].keywords[0]])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_host_tenant_reads_only_what_was_made_from_its_library(client, tenant, admin):
    """A merchant targets its own tenant's host apps only; a row from another library (made
    directly here) is still never shown to the host tenant."""
    from workspaces.services.hostapps import host_app_create

    ours = host_app_create(actor=admin, name="Acme Pay", platforms={"android": "a.p"})[0]
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    cafe = create_miniprogram(lead, name="Merchant Cafe", host_app_ids=[ours.pk])
    other = WorkspaceFactory(kind="tenant", name="Globex")
    template_library_ensure(workspace=tenant)
    template_library_ensure(workspace=other)
    mine = add(
        lead, cafe, PublicTemplate.objects.get(workspace=tenant, title="Delivered"), ["Items"]
    )
    hidden = MyTemplate.objects.create(
        miniprogram=cafe,
        public_template=PublicTemplate.objects.get(workspace=other, title="Delivered"),
        template_id="globexTemplateId",
        keywords=["Items"],
        keyword_set="Items",
    )
    client.force_login(admin.user)
    page = client.get(reverse("miniprograms:subscriptions", args=[tenant.slug, cafe.app_id]))
    assert page.status_code == 200
    assert [m.template_id for m in page.context["my_templates"]] == [mine.template_id]
    assert hidden.template_id not in page.content.decode()
    client.force_login(lead.user)
    page = client.get(reverse("miniprograms:subscriptions", args=[merchant.slug, cafe.app_id]))
    assert len(page.context["my_templates"]) == 2
