"""Message templates (issue 13, first increment): the public library and My Templates
(miniprograms/subscriptions/): services and selectors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from miniprograms.subscriptions.library import TEMPLATES
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from miniprograms.subscriptions.selectors import library_workspace_ids, public_template_list
from miniprograms.subscriptions.services import (
    keyword_set_key,
    my_template_create,
    my_template_delete,
    my_template_update,
    public_template_create,
    public_template_set_retired,
    template_library_ensure,
)
from miniprograms.tests.factories import audit, create_miniprogram
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

KEYWORDS = ["Flight number", "Departure", "Destination", "Gate", "Status", "Seat"]


@pytest.fixture
def library(tenant):
    template_library_ensure(workspace=tenant)
    return {t.title: t for t in PublicTemplate.objects.filter(workspace=tenant)}


@pytest.fixture
def flight(library):
    return library["Flight status update"]


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
def test_a_tenant_gets_the_seeded_library_once(tenant):
    assert template_library_ensure(workspace=tenant) is True
    assert template_library_ensure(workspace=tenant) is False
    rows = list(PublicTemplate.objects.filter(workspace=tenant))
    assert len(rows) == len(TEMPLATES) >= 30
    assert {r.kind for r in rows} == {"one_time", "long_term"}
    assert {"Orders", "Delivery", "Travel", "Payments", "Government services"} <= {
        r.category for r in rows
    }
    assert all(5 <= len(r.keywords) <= 15 for r in rows)
    assert len(audit("message_template.library_seed")) == 1


@pytest.mark.django_db
def test_a_developer_workspace_has_no_library(tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    assert template_library_ensure(workspace=merchant) is False
    assert not PublicTemplate.objects.filter(workspace=merchant).exists()


@pytest.mark.django_db
def test_the_library_is_searched_by_name_and_filtered_by_type_and_category(tenant, library):
    ids = {tenant.pk}
    assert [t.title for t in public_template_list(workspace_ids=ids, search="flight")] == [
        "Flight status update"
    ]
    long_term = public_template_list(workspace_ids=ids, kind="long_term")
    assert long_term and all(t.kind == "long_term" for t in long_term)
    travel = public_template_list(workspace_ids=ids, category="Travel")
    assert {t.category for t in travel} == {"Travel"}


@pytest.mark.django_db
def test_an_admin_adds_a_template_with_5_to_15_distinct_keywords(tenant, admin, library):
    template = public_template_create(
        actor=admin,
        workspace=tenant,
        title="Parking fee due",
        category="Transport",
        kind="long_term",
        keywords=["Plate number", "Car park", "Entry time", "Fee", "Due date"],
    )
    assert template.keywords[0] == "Plate number"
    assert audit("message_template.create")[0].after["title"] == "Parking fee due"
    with pytest.raises(ValidationError) as few:
        public_template_create(
            actor=admin,
            workspace=tenant,
            title="Too few",
            category="X",
            kind="one_time",
            keywords=["A", "B", "C", "D"],
        )
    assert "5 to 15 keywords" in few.value.message_dict["keywords"][0]
    with pytest.raises(ValidationError) as twice:
        public_template_create(
            actor=admin,
            workspace=tenant,
            title="Parking FEE due",
            category="X",
            kind="one_time",
            keywords=["A", "B", "C", "D", "a"],
        )
    assert "already has" in twice.value.message_dict["title"][0]
    assert "twice" in twice.value.message_dict["keywords"][0]


@pytest.mark.django_db
def test_only_the_tenants_owner_and_admins_edit_the_library(tenant, flight):
    developer = MembershipFactory(workspace=tenant, role="developer")
    with pytest.raises(PermissionDenied):
        public_template_set_retired(actor=developer, template=flight, retired=True)
    other = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with pytest.raises(PermissionDenied):
        public_template_set_retired(actor=other, template=flight, retired=True)


@pytest.mark.django_db
def test_a_retired_template_is_no_longer_offered(admin, owner, tenant, flight):
    program = create_miniprogram(owner)
    public_template_set_retired(actor=admin, template=flight, retired=True)
    public_template_set_retired(actor=admin, template=flight, retired=True)  # no-op
    assert len(audit("message_template.retire")) == 1
    assert flight not in public_template_list(workspace_ids={tenant.pk})
    with pytest.raises(ValidationError, match="retired"):
        add(owner, program, flight, KEYWORDS[:2])


# --- My Templates ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_template_keeps_1_to_5_keywords_in_the_chosen_order(owner, flight):
    program = create_miniprogram(owner)
    mine = add(owner, program, flight, ["Gate", "Flight number", "Status"])
    assert mine.keywords == ["Gate", "Flight number", "Status"]
    assert len(mine.template_id) == 32
    assert audit("my_template.create")[0].after["template_id"] == mine.template_id
    with pytest.raises(ValidationError, match="1 to 5 keywords"):
        add(owner, program, flight, KEYWORDS)
    with pytest.raises(ValidationError, match="1 to 5 keywords"):
        add(owner, program, flight, [])


@pytest.mark.django_db
def test_a_keyword_cannot_repeat_or_come_from_elsewhere(owner, flight):
    program = create_miniprogram(owner)
    with pytest.raises(ValidationError, match="only once"):
        add(owner, program, flight, ["Gate", "Gate"])
    with pytest.raises(ValidationError, match="not a keyword"):
        add(owner, program, flight, ["Gate", "Pickup code"])
    assert not MyTemplate.objects.exists()


@pytest.mark.django_db
def test_the_same_public_template_is_refused_with_the_same_keyword_set(owner, flight, library):
    program = create_miniprogram(owner)
    add(owner, program, flight, ["Gate", "Status"])
    with pytest.raises(ValidationError, match="already has"):
        add(owner, program, flight, ["Status", "Gate"])  # the same set, another order
    add(owner, program, flight, ["Gate", "Status", "Seat"])  # another set: fine
    add(owner, program, library["Check-in reminder"], ["Flight number"])
    other = create_miniprogram(owner, name="Other app")
    add(owner, other, flight, ["Gate", "Status"])  # another mini program: fine
    assert MyTemplate.objects.count() == 4


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_set_too(owner, flight):
    program = create_miniprogram(owner)
    mine = add(owner, program, flight, ["Gate", "Status"])
    with pytest.raises(IntegrityError), transaction.atomic():
        MyTemplate.objects.create(
            miniprogram=program,
            public_template=flight,
            template_id="x" * 32,
            keywords=["Status", "Gate"],
            keyword_set=keyword_set_key(["Status", "Gate"]),
        )
    assert mine.keyword_set == keyword_set_key(["Status", "Gate"])


@pytest.mark.django_db
def test_editing_reorders_and_is_audited_and_deleting_is_audited(owner, flight):
    program = create_miniprogram(owner)
    mine = add(owner, program, flight, ["Gate", "Status"])
    other = add(owner, program, flight, ["Seat"])
    updated = my_template_update(actor=owner, my_template=mine, keywords=["Status", "Gate"])
    assert updated.keywords == ["Status", "Gate"] and updated.template_id == mine.template_id
    [event] = audit("my_template.update")
    assert event.before["keywords"] == ["Gate", "Status"]
    assert event.after["keywords"] == ["Status", "Gate"]
    with pytest.raises(ValidationError, match="already has"):
        my_template_update(actor=owner, my_template=other, keywords=["Gate", "Status"])
    my_template_delete(actor=owner, my_template=mine)
    assert not MyTemplate.objects.filter(pk=mine.pk).exists()
    assert audit("my_template.delete")[0].before["template_id"] == mine.template_id


@pytest.mark.django_db
def test_only_developers_of_the_mini_program_edit_its_templates(tenant, owner, flight):
    program = create_miniprogram(owner)
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    unassigned = MembershipFactory(workspace=tenant, role="developer")
    for actor in (reviewer, unassigned):
        with pytest.raises(PermissionDenied):
            add(actor, program, flight, ["Gate"])
    mine = add(owner, program, flight, ["Gate"])
    with pytest.raises(PermissionDenied):
        my_template_delete(actor=reviewer, my_template=mine)


@pytest.mark.django_db
def test_a_merchant_picks_from_the_libraries_of_the_tenants_it_targets(tenant, admin):
    host_app = host_app_create(actor=admin, name="Acme Pay", platforms={"android": "com.a.p"})[0]
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="admin")
    cafe = create_miniprogram(lead, name="Merchant Cafe", host_app_ids=[host_app.pk])
    loner = create_miniprogram(lead, name="Not released")
    template_library_ensure(workspace=tenant)
    order = PublicTemplate.objects.get(workspace=tenant, title="Order confirmed")
    assert library_workspace_ids(miniprogram=cafe) == {tenant.pk}
    assert add(lead, cafe, order, ["Order number", "Amount"]).keywords == [
        "Order number",
        "Amount",
    ]
    assert library_workspace_ids(miniprogram=loner) == set()
    with pytest.raises(ValidationError, match="released to"):
        add(lead, loner, order, ["Order number"])


@pytest.mark.django_db
def test_seed_demo_adds_the_demo_templates_once(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    from console import demo

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    for spec in demo.MESSAGE_TEMPLATES:
        mine = MyTemplate.objects.get(
            miniprogram__name=spec.miniprogram, public_template__title=spec.title
        )
        assert mine.keywords == list(spec.keywords)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    assert MyTemplate.objects.count() == len(demo.MESSAGE_TEMPLATES)
    assert len(audit("my_template.create")) == len(demo.MESSAGE_TEMPLATES)
