"""A partial edit of a mini program's draft (``miniprogram_profile_patch``, the API's PATCH):
what is not sent keeps its draft value, a refusal changes nothing, and the audit row names
only what changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from miniprograms.models import MiniProgram
from miniprograms.profile import LanguageText
from miniprograms.services.profile import miniprogram_profile_patch
from miniprograms.tests.factories import create_miniprogram, logo_upload
from workspaces.authz import CapabilityDenied
from workspaces.models import AuditEvent
from workspaces.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

JAPANESE = LanguageText(
    language="ja",
    name="コーヒーコーナー",
    tagline="事前注文で待ち時間なし",
    description="コーヒーとペストリーを事前に注文して、待たずに受け取れます。",
)


@pytest.fixture
def program(admin, host_apps):
    return create_miniprogram(admin, languages=[JAPANESE], host_app_ids=[host_apps[0].pk])


def reloaded(mp: MiniProgram) -> MiniProgram:
    return MiniProgram.objects.select_related("industry").get(pk=mp.pk)


def languages_of(mp: MiniProgram) -> list[tuple[str, str]]:
    return [(row.language, row.name) for row in mp.languages.order_by("language")]


def updates() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb="miniprogram.update_profile"))


def test_a_partial_change_keeps_the_other_fields_and_the_languages(admin, program):
    before = reloaded(program)

    miniprogram_profile_patch(
        actor=admin, miniprogram=program, changes={"tagline": "Coffee without the queue"}
    )

    after = reloaded(program)
    assert after.tagline == "Coffee without the queue"
    for field in ("name", "description", "industry_id", "service_phone", "service_email"):
        assert getattr(after, field) == getattr(before, field)
    assert after.logo.name == before.logo.name
    assert languages_of(after) == [("ja", JAPANESE.name)]
    (event,) = updates()
    assert event.actor == admin.user
    assert event.before == {"tagline": "Order ahead, skip the line"}
    assert event.after == {"tagline": "Coffee without the queue", "staged": True}


def test_languages_sent_replace_the_whole_set(admin, program):
    miniprogram_profile_patch(actor=admin, miniprogram=program, changes={"languages": ()})

    after = reloaded(program)
    assert languages_of(after) == []
    assert after.name == "Coffee Corner"


def test_a_refused_change_changes_nothing_not_even_the_host_apps(admin, program, host_apps):
    before = reloaded(program)

    with pytest.raises(ValidationError) as info:
        miniprogram_profile_patch(
            actor=admin,
            miniprogram=program,
            changes={"name": "Tea House", "tagline": ""},
            logo=logo_upload(),
            host_app_ids=[host_apps[0].pk, host_apps[1].pk],
        )

    assert set(info.value.message_dict) == {"tagline"}
    after = reloaded(program)
    assert (after.name, after.tagline, after.logo.name) == (
        before.name,
        before.tagline,
        before.logo.name,
    )
    assert languages_of(after) == [("ja", JAPANESE.name)]
    assert [t.host_app_id for t in after.targets.all()] == [host_apps[0].pk]
    assert updates() == []
    assert not AuditEvent.objects.filter(verb="miniprogram.host_app_add").exists()


def test_host_apps_and_profile_change_together(admin, program, host_apps):
    miniprogram_profile_patch(
        actor=admin,
        miniprogram=program,
        changes={"service_phone": "0571-26888999"},
        host_app_ids=[host_apps[1].pk],
    )

    after = reloaded(program)
    assert after.service_phone == "0571-26888999"
    targets = {t.host_app_id: t.status for t in after.targets.all()}
    assert targets == {host_apps[0].pk: "offline", host_apps[1].pk: "active"}


def test_nothing_to_change_writes_nothing(admin, program):
    miniprogram_profile_patch(actor=admin, miniprogram=program, changes={})

    assert updates() == []


def test_an_unknown_field_is_a_programming_error(admin, program):
    with pytest.raises(TypeError, match="logo_url"):
        miniprogram_profile_patch(actor=admin, miniprogram=program, changes={"logo_url": "x"})


def test_a_developer_not_assigned_cannot_patch(tenant, program):
    developer = MembershipFactory(workspace=tenant, role="developer")

    with pytest.raises(CapabilityDenied):
        miniprogram_profile_patch(
            actor=developer, miniprogram=program, changes={"tagline": "Coffee without the queue"}
        )

    assert reloaded(program).tagline == "Order ahead, skip the line"
