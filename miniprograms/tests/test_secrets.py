"""The AppSecret (issue 12): generate, reset, freeze, unfreeze — only the Owner and Admins;
shown once in a dialog that says so and never again; stored as its keyed hash; audited."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from miniprograms.secrets.models import AppSecret
from miniprograms.secrets.services import (
    appsecret_freeze,
    appsecret_generate,
    appsecret_reset,
    appsecret_unfreeze,
    oauth_settings_update,
)
from miniprograms.tests import test_views as world
from miniprograms.tests.factories import audit
from miniprograms.tests.test_views import (
    EVERYONE,
    MANAGE,
    VIEW,
    assert_refused,
    login_as,
    message_texts,
    url,
)
from workspaces import keys
from workspaces.models import AuditEvent
from workspaces.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

host_app, mp, developer = world.host_app, world.mp, world.developer

SECRET_RE = re.compile(r'data-copy="([A-Za-z0-9]{40})"')


def row(mp) -> AppSecret:
    return AppSecret.objects.get(miniprogram=mp)


# --- services -----------------------------------------------------------------------------------


def test_generate_stores_only_the_keyed_hash_and_audits_without_the_secret(owner, mp):
    _row, secret = appsecret_generate(actor=owner, miniprogram=mp)
    assert len(secret) == 40 and secret.isalnum()
    stored = row(mp)
    assert stored.secret_hash == keys.keyed_hash(secret) != secret
    assert stored.state == "active" and stored.generated_by == owner.user
    [event] = audit("miniprogram.appsecret_generate")
    assert event.before["state"] == "none" and event.after["state"] == "active"
    dumped = repr(event.before) + repr(event.after)
    assert secret not in dumped and stored.secret_hash not in dumped


def test_generating_twice_is_refused_reset_instead(owner, mp):
    appsecret_generate(actor=owner, miniprogram=mp)
    with pytest.raises(ValidationError, match="Reset it"):
        appsecret_generate(actor=owner, miniprogram=mp)


def test_reset_replaces_the_hash_at_once_and_keeps_a_frozen_secret_frozen(owner, mp):
    _row, first = appsecret_generate(actor=owner, miniprogram=mp)
    appsecret_freeze(actor=owner, miniprogram=mp)
    _row, second = appsecret_reset(actor=owner, miniprogram=mp)
    stored = row(mp)
    assert first != second
    assert not keys.keyed_hash_matches(first, stored.secret_hash)
    assert keys.keyed_hash_matches(second, stored.secret_hash)
    assert stored.is_frozen
    assert len(audit("miniprogram.appsecret_reset")) == 1


def test_nothing_to_reset_or_freeze_before_generating(owner, mp):
    for action in (appsecret_reset, appsecret_freeze, appsecret_unfreeze):
        with pytest.raises(ValidationError, match="no AppSecret yet"):
            action(actor=owner, miniprogram=mp)


def test_freeze_and_unfreeze_are_idempotent_and_audited_once(owner, admin, mp):
    appsecret_generate(actor=owner, miniprogram=mp)
    appsecret_freeze(actor=owner, miniprogram=mp)
    appsecret_freeze(actor=admin, miniprogram=mp)
    assert row(mp).frozen_by == owner.user
    appsecret_unfreeze(actor=admin, miniprogram=mp)
    appsecret_unfreeze(actor=admin, miniprogram=mp)
    assert row(mp).state == "active"
    assert len(audit("miniprogram.appsecret_freeze")) == 1
    [unfreeze] = audit("miniprogram.appsecret_unfreeze")
    assert unfreeze.before["state"] == "frozen" and unfreeze.after["state"] == "active"


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_owner_and_admin_manage_the_secret(tenant, owner, mp, role):
    member = MembershipFactory(workspace=tenant, role=role)
    if role == "developer":
        from miniprograms.services.members import miniprogram_developer_assign

        miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=member.user_id)
    with pytest.raises(Exception) as exc:
        appsecret_generate(actor=member, miniprogram=mp)
    assert exc.type.__name__ in ("CapabilityDenied", "PermissionDenied")
    assert not AppSecret.objects.filter(miniprogram=mp, secret_hash__gt="").exists()


def test_the_token_lifetime_is_below_a_day(owner, mp):
    oauth_settings_update(actor=owner, miniprogram=mp, access_token_ttl=3600)
    assert row(mp).access_token_ttl == 3600
    for bad in (59, 86400):
        with pytest.raises(ValidationError, match="below"):
            oauth_settings_update(actor=owner, miniprogram=mp, access_token_ttl=bad)
    [event] = audit("miniprogram.oauth_settings")
    assert event.before == {"access_token_ttl": 600} and event.after == {"access_token_ttl": 3600}


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_the_keys_page_is_read_by_whoever_sees_the_miniprogram(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("dev-keys", tenant, mp.app_id))
    if who in VIEW:
        assert response.status_code == 200
        text = response.content.decode()
        assert "No AppSecret yet" in text
        assert ("Generate AppSecret" in text) == (who in MANAGE)
        assert "no-store" in response["Cache-Control"]
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("action", ["generate", "reset", "freeze", "unfreeze"])
def test_every_secret_action_needs_owner_or_admin(client, tenant, owner, mp, who, action):
    if action != "generate":
        appsecret_generate(actor=owner, miniprogram=mp)
    if action == "unfreeze":
        appsecret_freeze(actor=owner, miniprogram=mp)
    before = AppSecret.objects.filter(miniprogram=mp).values().first()
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url(f"dev-keys-{action}", tenant, mp.app_id))
    after = AppSecret.objects.filter(miniprogram=mp).values().first()
    if who in MANAGE:
        assert response.status_code in (200, 302)
        assert after != before
    else:
        assert_refused(response, who)
        assert after == before


def test_the_secret_is_shown_once_in_a_dialog_and_never_again(client, owner, tenant, mp):
    client.force_login(owner.user)
    response = client.post(url("dev-keys-generate", tenant, mp.app_id))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    [secret] = SECRET_RE.findall(text)
    assert keys.keyed_hash_matches(secret, row(mp).secret_hash)
    dialog = text[text.index("<dialog") : text.index("</dialog>")]
    assert "data-secret-dialog" in dialog and "This is the only time it is shown." in dialog
    assert secret in dialog

    # After a reload (a GET of the page) it is gone for good; so in every other answer.
    for page in (
        client.get(url("dev-keys", tenant, mp.app_id)),
        client.get(url("detail", tenant, mp.app_id)),
        client.get(f"/w/{tenant.slug}/audit/"),
    ):
        assert secret not in page.content.decode()
        assert "data-secret-dialog" not in page.content.decode()
    assert 'data-state="active"' in client.get(url("dev-keys", tenant, mp.app_id)).content.decode()


def test_reset_shows_the_new_secret_once_and_says_the_old_one_stopped(client, owner, tenant, mp):
    _row, old = appsecret_generate(actor=owner, miniprogram=mp)
    client.force_login(owner.user)
    keys_page = client.get(url("dev-keys", tenant, mp.app_id)).content.decode()
    assert 'data-confirm-title="Reset the AppSecret?"' in keys_page
    assert "stops working immediately" in keys_page
    response = client.post(url("dev-keys-reset", tenant, mp.app_id))
    text = response.content.decode()
    [new] = SECRET_RE.findall(text)
    assert new != old and "The previous AppSecret no longer works." in text
    assert not keys.keyed_hash_matches(old, row(mp).secret_hash)


def test_freezing_from_the_page_confirms_then_shows_the_frozen_state(client, owner, tenant, mp):
    appsecret_generate(actor=owner, miniprogram=mp)
    client.force_login(owner.user)
    page = client.get(url("dev-keys", tenant, mp.app_id)).content.decode()
    assert 'data-confirm-title="Freeze the AppSecret?"' in page
    response = client.post(url("dev-keys-freeze", tenant, mp.app_id))
    assert response.status_code == 302
    after = client.get(response["Location"])
    text = after.content.decode()
    assert 'data-state="frozen"' in text and "Unfreeze" in text and "secret_frozen" in text
    assert any("frozen" in m for m in message_texts(after))


def test_the_lifetime_form_keeps_input_on_error_and_saves_minutes(client, owner, tenant, mp):
    client.force_login(owner.user)
    bad = client.post(url("dev-keys-oauth", tenant, mp.app_id), {"access_token_minutes": "1440"})
    assert bad.status_code == 200
    assert 'value="1440"' in bad.content.decode()
    assert not AppSecret.objects.filter(miniprogram=mp).exists()
    ok = client.post(url("dev-keys-oauth", tenant, mp.app_id), {"access_token_minutes": "30"})
    assert ok.status_code == 302
    assert row(mp).access_token_ttl == 1800


def test_the_audit_log_words_secret_events(client, owner, tenant, mp):
    appsecret_generate(actor=owner, miniprogram=mp)
    appsecret_freeze(actor=owner, miniprogram=mp)
    client.force_login(owner.user)
    text = client.get(f"/w/{tenant.slug}/audit/").content.decode()
    assert "generated the AppSecret of" in text and "froze the AppSecret of" in text
    assert AuditEvent.objects.filter(verb__startswith="miniprogram.appsecret").count() == 2


# --- a host tenant reading a merchant's mini program ---------------------------------------------


def test_the_host_tenant_reads_the_state_and_variables_and_changes_nothing(client):
    from miniprograms.envvars.services import envvars_replace
    from miniprograms.tests.hosted import hosted_world

    hw = hosted_world()
    appsecret_generate(actor=hw.merchant_owner, miniprogram=hw.coffee)
    envvars_replace(
        actor=hw.merchant_owner,
        miniprogram=hw.coffee,
        environment="production",
        variables=[("API_BASE_URL", "https://api.blue.example")],
    )
    client.force_login(hw.team["admin"].user)
    keys_page = client.get(url("dev-keys", hw.tenant, hw.coffee.app_id))
    text = keys_page.content.decode()
    assert keys_page.status_code == 200 and "data-hosted-banner" in text
    assert 'data-state="active"' in text
    assert "owner@blue.test" not in text  # who generated it is the merchant's business
    assert "Reset AppSecret" not in text and "Generate AppSecret" not in text
    variables = client.get(url("dev-variables", hw.tenant, hw.coffee.app_id)).content.decode()
    assert "https://api.blue.example" in variables
    assert url("dev-variables-edit", hw.tenant, hw.coffee.app_id, "production") not in variables
    before = AppSecret.objects.filter(miniprogram=hw.coffee).values().first()
    for action in ("generate", "reset", "freeze", "unfreeze", "oauth"):
        response = client.post(url(f"dev-keys-{action}", hw.tenant, hw.coffee.app_id))
        assert response.status_code == 403
    assert AppSecret.objects.filter(miniprogram=hw.coffee).values().first() == before
