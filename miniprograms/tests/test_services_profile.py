"""Creating mini programs and editing their staged profile and "Release to" host apps
(miniprograms/services/profile.py): real database, real storage, audit rows asserted."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from miniprograms.models import (
    AppIdAllocation,
    Industry,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
)
from miniprograms.profile import FIELDS, pending_fields, profile_changes
from miniprograms.services import profile as profile_services
from miniprograms.services.lifecycle import miniprogram_delete
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.services.profile import (
    app_id_allocate,
    host_apps_available,
    miniprogram_create,
    miniprogram_profile_release,
    miniprogram_set_host_apps,
    miniprogram_update_profile,
)
from miniprograms.tests.factories import (
    JAPANESE,
    audit,
    create_miniprogram,
    logo_upload,
    profile_input,
    stored_files,
)
from workspaces.authz import CapabilityDenied
from workspaces.models import AuditEvent
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory, fresh

pytestmark = pytest.mark.django_db

NAME_RULE = (
    "it must be 3–30 units (a Chinese, Japanese or Korean character counts as 2, any other "
    "character as 1)."
)


@pytest.fixture
def merchant(tenant):
    return WorkspaceFactory(
        kind="developer", tenant=tenant, name="Blue Bottle Coffee", slug="bluebottle"
    )


@pytest.fixture
def merchant_admin(merchant):
    return MembershipFactory(workspace=merchant, role="admin")


# --- create -------------------------------------------------------------------------------


def test_create_gives_a_16_digit_app_id_and_records_everything(admin, host_apps):
    mp = create_miniprogram(
        admin,
        name=" Coffee Corner ",
        service_email="Help@Coffee.Example",
        host_app_ids=[host_apps[0].pk],
    )
    mp.refresh_from_db()
    assert re.fullmatch(r"[1-9]\d{15}", mp.app_id)
    assert mp.app_id.startswith(str(timezone.now().year))
    assert AppIdAllocation.objects.filter(app_id=mp.app_id).exists()
    assert (mp.name, mp.service_email, mp.kind) == (
        "Coffee Corner",
        "help@coffee.example",
        "tenant",
    )
    assert mp.industry.code == "coffee-tea" and mp.created_by == admin.user
    assert mp.shelf_status == "on_shelf" and mp.released_profile is None
    assert stored_files() == [mp.logo.name] and mp.logo.name.startswith("miniprogram-logos/")
    assert list(mp.targets.values_list("host_app__name", "status")) == [("Acme Pay", "active")]
    [event] = audit("miniprogram.create")
    assert (event.actor, event.workspace, event.target_id) == (
        admin.user,
        admin.workspace,
        str(mp.pk),
    )
    assert event.before is None
    assert event.after["app_id"] == mp.app_id and event.after["kind"] == "tenant"
    assert event.after["name"] == "Coffee Corner" and event.after["logo"] == mp.logo.name
    assert event.after["industry"] == "coffee-tea" and event.after["host_apps"] == ["Acme Pay"]


def test_app_ids_are_unique(admin):
    ids = {create_miniprogram(admin, name=f"Coffee Corner {i}").app_id for i in range(5)}
    assert len(ids) == 5 == AppIdAllocation.objects.count()


def test_a_deleted_mini_programs_app_id_stays_allocated_and_is_never_issued_again(
    admin, monkeypatch
):
    mp = create_miniprogram(admin)
    gone = mp.app_id
    miniprogram_delete(actor=admin, miniprogram=mp, confirm_name="Coffee Corner")
    assert not MiniProgram.objects.exists()
    assert AppIdAllocation.objects.filter(app_id=gone).exists()

    draws = iter([gone, "2026123456789012"])  # the first draw collides with the deleted one
    monkeypatch.setattr(profile_services, "_new_app_id", lambda: next(draws))
    assert create_miniprogram(admin).app_id == "2026123456789012"


def test_app_id_allocation_gives_up_after_repeated_collisions(monkeypatch):
    AppIdAllocation.objects.create(app_id="2026000000000001")
    monkeypatch.setattr(profile_services, "_new_app_id", lambda: "2026000000000001")
    with pytest.raises(RuntimeError, match="Could not allocate a unique App ID"):
        app_id_allocate()


def test_the_kind_follows_the_workspace(admin, merchant_admin):
    assert create_miniprogram(admin).kind == MiniProgram.Kind.TENANT
    assert create_miniprogram(merchant_admin).kind == MiniProgram.Kind.MERCHANT


@pytest.mark.parametrize(
    ("workspace_language", "given", "expected"),
    [
        ("en", None, "en"),
        ("zh-Hans", None, "zh-Hans"),
        ("zh-CN", None, "zh-Hans"),  # a region tag of the workspace, canonicalised
        ("ja", "ko", "ko"),  # chosen explicitly
        ("xx", None, "en"),  # an unsupported workspace language falls back to English
    ],
)
def test_the_default_language_comes_from_the_workspace(workspace_language, given, expected):
    member = MembershipFactory(workspace=WorkspaceFactory(default_language=workspace_language))
    assert create_miniprogram(member, default_language=given).default_language == expected


def test_every_broken_rule_is_reported_at_once_keyed_by_field(admin):
    globex = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="admin")
    foreign, _secret = host_app_create(actor=globex, name="Globex Pay", platforms={"ios": "g.p"})
    with pytest.raises(ValidationError) as info:
        miniprogram_create(
            actor=admin,
            profile=profile_input(
                name="ab",
                tagline="Too short",
                description="Also too short.",
                industry="nope",
                service_phone="0571 26888888",
                service_email="help@",
                languages=[{**JAPANESE, "language": "xx"}],
            ),
            logo=logo_upload(size=(120, 100)),
            host_app_ids=[foreign.pk],
        )
    assert info.value.message_dict == {
        "name": [f"The name is 2 units long; {NAME_RULE}"],
        "tagline": ["The tagline is 9 characters long; it must be 10–30 characters."],
        "description": ["The description is 15 characters long; it must be 20–200 characters."],
        "industry": ["“nope” is not an industry of the list: choose one."],
        "service_phone": [
            "“0571 26888888” is not a phone number in the form XXXX-XXXXXXX: a 3–4 digit area "
            "code, a hyphen and 7–8 digits (e.g. 0571-26888888)."
        ],
        "service_email": ["“help@” is not a valid email address."],
        "languages": ["“xx” is not a supported language."],
        "logo": ["The logo must be square (1:1); this one is 120×100."],
        "host_apps": [f"These host apps are not available to this workspace: {foreign.pk}."],
    }
    assert not MiniProgram.objects.exists() and not AppIdAllocation.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="miniprogram.").exists()
    assert stored_files() == []


def test_required_fields_and_logo_are_named(admin):
    with pytest.raises(ValidationError) as info:
        miniprogram_create(
            actor=admin,
            profile=profile_input(
                name="", tagline="", description="", industry="", service_phone="", service_email=""
            ),
            logo=None,
        )
    assert info.value.message_dict == {
        "name": ["Enter a name."],
        "tagline": ["Enter a tagline."],
        "description": ["Enter a description."],
        "industry": ["Choose an industry from the list."],
        "service_phone": ["Enter a customer-service phone number."],
        "service_email": ["Enter a customer-service email address."],
        "logo": ["Upload a logo."],
    }


def test_only_a_leaf_of_the_industry_taxonomy_can_be_chosen(admin):
    assert Industry.objects.filter(code="food-beverage", parent__isnull=True).exists()
    with pytest.raises(ValidationError) as info:
        create_miniprogram(admin, industry="food-beverage")
    assert info.value.message_dict == {
        "industry": ["“food-beverage” is not an industry of the list: choose one."]
    }


def test_names_are_unique_in_a_workspace_ignoring_case(admin, merchant_admin):
    create_miniprogram(admin, name="Coffee Corner")
    with pytest.raises(ValidationError) as info:
        create_miniprogram(admin, name="coffee CORNER")
    assert info.value.message_dict == {
        "name": ["A mini program named “coffee CORNER” already exists in this workspace."]
    }
    assert MiniProgram.objects.count() == 1 and len(stored_files()) == 1
    # Another workspace may use the name.
    assert create_miniprogram(merchant_admin, name="Coffee Corner").name == "Coffee Corner"


def test_the_database_refuses_two_names_differing_only_in_case(admin):
    mp = create_miniprogram(admin)
    clone = MiniProgram(
        workspace=mp.workspace,
        app_id=app_id_allocate(),
        kind=mp.kind,
        name="COFFEE CORNER",
        tagline=mp.tagline,
        description=mp.description,
        logo="miniprogram-logos/clone.png",
        industry=mp.industry,
        service_phone=mp.service_phone,
        service_email=mp.service_email,
    )
    with (
        pytest.raises(IntegrityError, match="miniprogram_name_unique_in_workspace"),
        transaction.atomic(),
    ):
        clone.save()


def test_a_create_that_loses_a_race_on_the_name_reports_it_and_keeps_no_file(admin, monkeypatch):
    """Two creates with one name: the second passed the check before the first inserted; the
    constraint stops it, and its logo file is removed."""
    real = profile_services._validate_profile

    def check_then_lose_the_race(**kwargs):
        result = real(**kwargs)  # the name was free when checked...
        MiniProgram.objects.create(  # ...and a concurrent request inserts it now
            workspace=admin.workspace,
            app_id="2026000000000042",
            kind="tenant",
            name="COFFEE CORNER",
            tagline="Order ahead, skip the line",
            description="Order coffee and pastries ahead and pick them up.",
            logo="miniprogram-logos/winner.png",
            industry=Industry.objects.get(code="coffee-tea"),
            service_phone="0571-26888888",
            service_email="help@coffee.example",
        )
        return result

    monkeypatch.setattr(profile_services, "_validate_profile", check_then_lose_the_race)
    with pytest.raises(ValidationError) as info:
        create_miniprogram(admin, name="Coffee Corner")
    assert info.value.message_dict == {
        "name": ["A mini program named “Coffee Corner” already exists in this workspace."]
    }
    assert stored_files() == []
    assert not AuditEvent.objects.filter(verb="miniprogram.create").exists()


def test_a_failure_after_the_row_is_written_leaves_no_row_and_no_file(admin, monkeypatch):
    def broken_audit(**_kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(profile_services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError, match="the audit log is down"):
        create_miniprogram(admin, languages=[JAPANESE])
    assert not MiniProgram.objects.exists() and not MiniProgramLanguage.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_owners_and_admins_create(tenant, role):
    member = MembershipFactory(workspace=tenant, role=role)
    with pytest.raises(CapabilityDenied):
        create_miniprogram(member)
    assert not MiniProgram.objects.exists() and stored_files() == []


def test_a_blocked_admin_cannot_create(tenant):
    blocked = MembershipFactory(workspace=tenant, role="admin", status="blocked")
    with pytest.raises(CapabilityDenied):
        create_miniprogram(blocked)


# --- extra languages ----------------------------------------------------------------------


def test_extra_languages_are_stored_canonical_and_normalised(admin):
    mp = create_miniprogram(
        admin,
        languages=[
            JAPANESE,
            {
                "language": "zh-CN",
                "name": " 咖啡角 ",
                "tagline": "提前点单，到店即取无需排队",
                "description": "提前点好咖啡和甜点，到店即可取餐，无需排队等待。欢迎光临！",
            },
        ],
    )
    rows = list(mp.languages.values_list("language", "name"))
    assert rows == [("ja", "コーヒーコーナー"), ("zh-Hans", "咖啡角")]
    [event] = audit("miniprogram.create")
    assert set(event.after["languages"]) == {"ja", "zh-Hans"}


def test_each_extra_language_is_checked_and_its_messages_name_the_language(admin):
    with pytest.raises(ValidationError) as info:
        create_miniprogram(
            admin,
            languages=[
                {**JAPANESE, "language": "en"},  # the default language
                JAPANESE,
                {**JAPANESE, "language": "JA"},  # the same language again
                {**JAPANESE, "language": "klingon"},
                {"language": "zh-Hans", "name": "咖", "tagline": "提前点单", "description": "太短"},
            ],
        )
    assert info.value.message_dict == {
        "languages": [
            "English is the default language: its texts are the main name, tagline and "
            "description.",
            "Japanese is listed twice.",
            "“klingon” is not a supported language.",
            f"Chinese (Simplified): The name is 2 units long; {NAME_RULE}",
            "Chinese (Simplified): The tagline is 4 characters long; it must be 10–30 characters.",
            "Chinese (Simplified): The description is 2 characters long; it must be 20–200 "
            "characters.",
        ]
    }
    assert not MiniProgram.objects.exists()


def test_the_default_language_of_a_japanese_workspace_is_refused_as_an_extra(tenant):
    tenant.default_language = "ja"
    tenant.save()
    member = MembershipFactory(workspace=tenant, role="owner")
    with pytest.raises(ValidationError) as info:
        create_miniprogram(member, languages=[JAPANESE])
    assert info.value.message_dict["languages"] == [
        "Japanese is the default language: its texts are the main name, tagline and description."
    ]


def test_editing_languages_replaces_the_set_and_audits_it(admin):
    mp = create_miniprogram(admin, languages=[JAPANESE])
    korean = {
        "language": "ko",
        "name": "커피 코너",
        "tagline": "미리 주문하고 기다리지 마세요",
        "description": "커피와 페이스트리를 미리 주문하고 기다리지 않고 받아 가세요.",
    }
    miniprogram_update_profile(
        actor=admin, miniprogram=mp, profile=profile_input(languages=[korean])
    )
    assert list(MiniProgramLanguage.objects.values_list("language", flat=True)) == ["ko"]
    [event] = audit("miniprogram.update_profile")
    assert list(event.before["languages"]) == ["ja"] and list(event.after["languages"]) == ["ko"]


# --- host apps of a developer workspace -----------------------------------------------------


def test_a_developer_workspace_releases_to_its_tenants_host_apps(
    merchant, merchant_admin, host_apps
):
    assert host_apps_available(workspace=merchant) == host_apps
    mp = create_miniprogram(merchant_admin, host_app_ids=[h.pk for h in host_apps])
    assert mp.kind == "merchant"
    assert sorted(mp.targets.values_list("host_app__name", "status")) == [
        ("Acme Pay", "active"),
        ("Acme Wallet", "active"),
    ]


def test_a_developer_workspace_without_a_tenant_has_no_host_apps(host_apps):
    orphan = WorkspaceFactory(kind="developer")
    assert host_apps_available(workspace=orphan) == []
    with pytest.raises(ValidationError) as info:
        create_miniprogram(
            MembershipFactory(workspace=orphan, role="owner"), host_app_ids=[host_apps[0].pk]
        )
    assert info.value.message_dict == {
        "host_apps": [f"These host apps are not available to this workspace: {host_apps[0].pk}."]
    }


def test_a_host_app_of_another_tenant_is_refused(merchant_admin, host_apps):
    globex = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="admin")
    foreign, _secret = host_app_create(actor=globex, name="Globex Pay", platforms={"ios": "g.p"})
    with pytest.raises(ValidationError) as info:
        create_miniprogram(merchant_admin, host_app_ids=[host_apps[0].pk, foreign.pk])
    assert info.value.message_dict == {
        "host_apps": [f"These host apps are not available to this workspace: {foreign.pk}."]
    }
    assert not MiniProgramHostApp.objects.exists()


# --- staged profile edits and the release -------------------------------------------------


def test_before_the_first_release_every_field_is_pending(admin):
    mp = create_miniprogram(admin)
    assert pending_fields(mp) == [key for key, _label in FIELDS]


def test_an_edit_is_staged_until_the_next_release(admin):
    mp = create_miniprogram(admin)
    assert miniprogram_profile_release(miniprogram_id=mp.pk, actor=admin) is True
    mp.refresh_from_db()
    released = dict(mp.released_profile)
    assert released["name"] == "Coffee Corner" and pending_fields(mp) == []

    edited = miniprogram_update_profile(
        actor=admin,
        miniprogram=mp,
        profile=profile_input(name="Coffee Corner Plus", service_phone="021-1234567"),
    )
    edited.refresh_from_db()
    assert edited.name == "Coffee Corner Plus"
    assert edited.released_profile == released  # host apps still show the released name
    assert pending_fields(edited) == ["name", "service_phone"]
    assert [(c.key, c.draft, c.released) for c in profile_changes(edited)] == [
        ("name", "Coffee Corner Plus", "Coffee Corner"),
        ("service_phone", "021-1234567", "0571-26888888"),
    ]
    [event] = audit("miniprogram.update_profile")
    assert event.before == {"name": "Coffee Corner", "service_phone": "0571-26888888"}
    assert event.after == {
        "name": "Coffee Corner Plus",
        "service_phone": "021-1234567",
        "staged": True,
    }

    assert miniprogram_profile_release(miniprogram_id=mp.pk, actor=admin) is True
    mp.refresh_from_db()
    assert pending_fields(mp) == [] and mp.released_profile["name"] == "Coffee Corner Plus"
    _first, second = audit("miniprogram.release_profile")
    assert second.before == {"name": "Coffee Corner", "service_phone": "0571-26888888"}
    assert second.after == {"name": "Coffee Corner Plus", "service_phone": "021-1234567"}
    assert second.actor == admin.user

    # Nothing new to release: no change, no audit row.
    assert miniprogram_profile_release(miniprogram_id=mp.pk) is False
    assert len(audit("miniprogram.release_profile")) == 2


def test_an_edit_that_changes_nothing_writes_no_audit_row(admin):
    mp = create_miniprogram(admin)
    stamp = MiniProgram.objects.get(pk=mp.pk).profile_updated_at
    miniprogram_update_profile(actor=admin, miniprogram=mp, profile=profile_input())
    assert audit("miniprogram.update_profile") == []
    assert MiniProgram.objects.get(pk=mp.pk).profile_updated_at == stamp


def test_a_program_may_change_the_case_of_its_own_name_but_not_take_anothers(admin):
    mp = create_miniprogram(admin)
    create_miniprogram(admin, name="Tea House")
    miniprogram_update_profile(
        actor=admin, miniprogram=mp, profile=profile_input(name="COFFEE corner")
    )
    assert MiniProgram.objects.get(pk=mp.pk).name == "COFFEE corner"
    with pytest.raises(ValidationError) as info:
        miniprogram_update_profile(
            actor=admin, miniprogram=mp, profile=profile_input(name="tea house")
        )
    assert info.value.message_dict == {
        "name": ["A mini program named “tea house” already exists in this workspace."]
    }


def test_a_refused_edit_changes_nothing_and_stores_no_file(admin):
    mp = create_miniprogram(admin)
    logo = mp.logo.name
    with pytest.raises(ValidationError) as info:
        miniprogram_update_profile(
            actor=admin,
            miniprogram=mp,
            profile=profile_input(name="New Name", tagline="short"),
            logo=logo_upload(size=(64, 32)),
        )
    assert set(info.value.message_dict) == {"tagline", "logo"}
    mp.refresh_from_db()
    assert (mp.name, mp.logo.name) == ("Coffee Corner", logo)
    assert stored_files() == [logo]
    assert audit("miniprogram.update_profile") == []


def test_a_replaced_draft_logo_is_deleted_after_commit(admin, django_capture_on_commit_callbacks):
    mp = create_miniprogram(admin)
    first = mp.logo.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        mp = miniprogram_update_profile(
            actor=admin, miniprogram=mp, profile=profile_input(), logo=logo_upload(size=(96, 96))
        )
        assert first in stored_files()  # still there until the transaction commits
    assert len(callbacks) == 1
    assert stored_files() == [mp.logo.name] and mp.logo.name != first
    [event] = audit("miniprogram.update_profile")
    assert event.before == {"logo": first}
    assert event.after == {"logo": mp.logo.name, "staged": True}


def test_the_released_logo_is_kept_until_a_new_logo_is_released(
    admin, django_capture_on_commit_callbacks
):
    mp = create_miniprogram(admin)
    released = mp.logo.name
    miniprogram_profile_release(miniprogram_id=mp.pk, actor=admin)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        mp = miniprogram_update_profile(
            actor=admin, miniprogram=mp, profile=profile_input(), logo=logo_upload()
        )
    assert callbacks == []  # host apps still show the released logo: nothing to delete
    second = mp.logo.name
    assert stored_files() == sorted([released, second])

    with django_capture_on_commit_callbacks(execute=True):
        mp = miniprogram_update_profile(
            actor=admin, miniprogram=mp, profile=profile_input(), logo=logo_upload()
        )
    third = mp.logo.name
    assert stored_files() == sorted([released, third])  # the never-released one went

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert miniprogram_profile_release(miniprogram_id=mp.pk, actor=admin) is True
    assert len(callbacks) == 1
    assert stored_files() == [third]  # the old released logo went with the new release
    assert MiniProgram.objects.get(pk=mp.pk).released_profile["logo"] == third


def test_a_reviewer_cannot_edit_and_an_assigned_developer_can(tenant, admin, developer):
    mp = create_miniprogram(admin)
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    for member in (reviewer, developer):
        with pytest.raises(CapabilityDenied):
            miniprogram_update_profile(
                actor=member, miniprogram=mp, profile=profile_input(name="Hijacked")
            )
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    miniprogram_update_profile(
        actor=fresh(developer), miniprogram=mp, profile=profile_input(name="Coffee Corner 2")
    )
    assert MiniProgram.objects.get(pk=mp.pk).name == "Coffee Corner 2"


# --- "Release to": host apps ----------------------------------------------------------------


def test_release_to_adds_host_apps_and_removing_one_takes_it_offline_keeping_the_row(
    admin, host_apps
):
    pay, wallet = host_apps
    mp = create_miniprogram(admin, host_app_ids=[pay.pk])

    miniprogram_set_host_apps(actor=admin, miniprogram=mp, host_app_ids=[pay.pk, wallet.pk])
    [added] = audit("miniprogram.host_app_add")
    assert added.after == {"host_app": "Acme Wallet"} and added.target_id == str(mp.pk)

    miniprogram_set_host_apps(actor=admin, miniprogram=mp, host_app_ids=[wallet.pk])
    statuses = dict(mp.targets.values_list("host_app__name", "status"))
    assert statuses == {"Acme Pay": "offline", "Acme Wallet": "active"}
    [offline] = audit("miniprogram.host_app_offline")
    assert offline.before == {"host_app": "Acme Pay", "status": "active"}
    assert offline.after == {"host_app": "Acme Pay", "status": "offline", "reason": ""}

    miniprogram_set_host_apps(actor=admin, miniprogram=mp, host_app_ids=[pay.pk, wallet.pk])
    assert dict(mp.targets.values_list("host_app__name", "status")) == {
        "Acme Pay": "active",
        "Acme Wallet": "active",
    }
    assert MiniProgramHostApp.objects.filter(miniprogram=mp).count() == 2
    [online] = audit("miniprogram.host_app_online")
    assert online.before == {"host_app": "Acme Pay", "status": "offline"}

    # The same set again changes nothing.
    count = AuditEvent.objects.count()
    miniprogram_set_host_apps(actor=admin, miniprogram=mp, host_app_ids=[pay.pk, wallet.pk])
    assert AuditEvent.objects.count() == count


def test_a_developer_adds_host_apps_but_taking_one_offline_needs_manage(
    admin, developer, host_apps
):
    pay, wallet = host_apps
    mp = create_miniprogram(admin, host_app_ids=[pay.pk])
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    dev = fresh(developer)

    with pytest.raises(ValidationError) as info:
        miniprogram_set_host_apps(actor=dev, miniprogram=mp, host_app_ids=[wallet.pk])
    assert info.value.message_dict == {
        "host_apps": [
            "Taking a mini program offline from a host app (Acme Pay) needs a Workspace Admin "
            "or the Owner."
        ]
    }
    assert list(mp.targets.values_list("host_app__name", "status")) == [("Acme Pay", "active")]

    miniprogram_set_host_apps(actor=dev, miniprogram=mp, host_app_ids=[pay.pk, wallet.pk])
    assert mp.targets.filter(status="active").count() == 2


def test_a_merchant_developer_is_told_to_ask_a_developer_admin(merchant, merchant_admin, host_apps):
    mp = create_miniprogram(merchant_admin, host_app_ids=[host_apps[0].pk])
    dev = MembershipFactory(workspace=merchant, role="developer")
    miniprogram_developer_assign(actor=merchant_admin, miniprogram=mp, user_id=dev.user_id)
    with pytest.raises(ValidationError, match=r"\(Acme Pay\) needs a Developer Admin or the Owner"):
        miniprogram_set_host_apps(actor=fresh(dev), miniprogram=mp, host_app_ids=[])


def test_release_to_refuses_host_apps_not_available_to_the_workspace(admin, host_apps):
    mp = create_miniprogram(admin)
    globex = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="admin")
    foreign, _secret = host_app_create(actor=globex, name="Globex Pay", platforms={"ios": "g.p"})
    with pytest.raises(ValidationError) as info:
        miniprogram_set_host_apps(actor=admin, miniprogram=mp, host_app_ids=[foreign.pk])
    assert info.value.message_dict == {
        "host_apps": [f"These host apps are not available to this workspace: {foreign.pk}."]
    }
    assert not mp.targets.exists()
