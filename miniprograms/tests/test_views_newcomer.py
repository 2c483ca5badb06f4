"""What a newcomer meets on the mini program pages (issue 9): only true states (release, shelf,
pending changes), a logo kept across a form with problems, a searchable industry field and one
step from "create" to "upload your first version"."""

from __future__ import annotations

import pytest
from django.core import signing
from django.urls import reverse

from miniprograms.forms.logo_hold import SALT
from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_set_shelf
from miniprograms.services.profile import miniprogram_profile_release, miniprogram_update_profile
from miniprograms.tests import test_views as world
from miniprograms.tests.factories import logo_upload, profile_input
from miniprograms.tests.test_views import edit_data, form_data, url
from workspaces.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# The world of test_views.py: a host app and a mini program with it (the tenant and its owner
# come from the project's conftest.py).
host_app, mp = world.host_app, world.mp


def held_token(response) -> str:
    return response.context["form"].logo_token


# --- only true states -------------------------------------------------------------------------


def test_a_never_released_mini_program_is_not_released_grey_not_on_shelf_green(
    client, tenant, owner, mp
):
    client.force_login(owner.user)
    for page in (url("detail", tenant, mp.app_id), url("list", tenant)):
        body = client.get(page).content.decode()
        assert 'badge badge-neutral">Not released' in body
        assert 'badge badge-green">On shelf' not in body


def test_a_released_mini_program_on_shelf_is_green_and_off_shelf_red(client, tenant, owner, mp):
    miniprogram_profile_release(miniprogram_id=mp.pk)
    client.force_login(owner.user)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert 'badge badge-green">On shelf' in body and "Not released<" not in body

    miniprogram_set_shelf(actor=owner, miniprogram=mp, on_shelf=False, reason="Renewal")
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert 'badge badge-red">Off shelf' in body and 'badge-green">On shelf' not in body


def test_overview_never_shows_last_released_beside_no_online_version(client, tenant, owner, mp):
    client.force_login(owner.user)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    # Never released: no "Last released" date, no "None yet" beside one.
    assert "Last released" not in body and "None yet" not in body
    assert "Not released yet." in body

    miniprogram_profile_release(miniprogram_id=mp.pk)
    mp.refresh_from_db()
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    # Released: the one release row says when, and nothing says there is no release.
    assert "Last released" in body and mp.released_at.strftime("%Y-%m-%d") in body
    assert "None yet" not in body and "Not released yet." not in body


def test_pending_banner_says_what_applies_the_changes_and_links_to_versions(
    client, tenant, owner, mp
):
    miniprogram_profile_release(miniprogram_id=mp.pk)
    mp.refresh_from_db()
    miniprogram_update_profile(
        actor=owner, miniprogram=mp, profile=profile_input(tagline="Fresh tea, now delivered")
    )
    client.force_login(owner.user)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    assert "Pending until the next release" in body
    assert "These changes apply when the next version is released." in body
    versions = reverse("releases:versions", args=[tenant.slug, mp.app_id])
    assert f'<a href="{versions}">Go to Versions</a>' in body


def test_saving_a_never_released_profile_does_not_speak_of_a_released_one(
    client, tenant, owner, mp
):
    client.force_login(owner.user)
    response = client.post(
        url("edit", tenant, mp.app_id), edit_data(mp, tagline="A brand new tagline"), follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["Saved. Host apps will show this profile once the first version is released."]


def test_an_empty_mini_program_offers_upload_your_first_version(client, tenant, owner, mp):
    client.force_login(owner.user)
    body = client.get(url("detail", tenant, mp.app_id)).content.decode()
    upload = reverse("releases:upload", args=[tenant.slug, mp.app_id])
    assert f'class="button button-primary" href="{upload}" data-first-upload' in body


# --- the logo is kept across a form with problems ----------------------------------------------


def test_a_valid_logo_is_kept_when_another_field_is_wrong_and_used_on_the_next_submit(
    client, tenant, owner
):
    client.force_login(owner.user)
    logo = logo_upload(noise=True)
    original = logo.read()
    logo.seek(0)
    response = client.post(url("create", tenant), {**form_data(tagline="Too short"), "logo": logo})
    assert response.status_code == 200 and not MiniProgram.objects.exists()
    form = response.context["form"]
    assert "tagline" in form.errors and "logo" not in form.errors
    token = held_token(response)
    assert token and not form.logo_needs_rechoosing
    body = response.content.decode()
    assert f'name="logo_token" value="{token}"' in body and "Your chosen logo is kept" in body
    # The preview is served to this person only.
    preview = client.get(reverse("miniprograms:logo-held", args=[tenant.slug, token]))
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert b"".join(preview) == original

    # The next submit sends no file, only the token, and the fixed tagline.
    response = client.post(
        url("create", tenant), form_data(tagline="Fresh tea, delivered to you", logo_token=token)
    )
    assert response.status_code == 302
    created = MiniProgram.objects.get(workspace=tenant)
    with created.logo.open("rb") as stored:
        assert stored.read() == original


def test_a_tampered_logo_token_is_refused(client, tenant, owner):
    client.force_login(owner.user)
    response = client.post(
        url("create", tenant), {**form_data(tagline="Too short"), "logo": logo_upload()}
    )
    token = held_token(response)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = signing.dumps({"k": "guessed-key", "u": owner.user_id}, salt="another-salt")
    for bad in (tampered, forged, "not-a-token"):
        response = client.post(
            url("create", tenant), form_data(tagline="Fresh tea, delivered to you", logo_token=bad)
        )
        assert response.status_code == 200 and not MiniProgram.objects.exists()
        assert "could not be kept" in response.context["form"].errors["logo"][0]
    preview = reverse("miniprograms:logo-held", args=[tenant.slug, tampered])
    assert client.get(preview).status_code == 404


def test_someone_elses_logo_token_is_refused(client, tenant, owner):
    client.force_login(owner.user)
    token = held_token(
        client.post(
            url("create", tenant), {**form_data(tagline="Too short"), "logo": logo_upload()}
        )
    )
    admin = MembershipFactory(workspace=tenant, role="admin")
    client.force_login(admin.user)
    preview = reverse("miniprograms:logo-held", args=[tenant.slug, token])
    assert client.get(preview).status_code == 404
    response = client.post(
        url("create", tenant), form_data(tagline="Fresh tea, delivered to you", logo_token=token)
    )
    assert "logo" in response.context["form"].errors and not MiniProgram.objects.exists()
    # A signed token for this person naming a key that was never held is refused too.
    unknown = signing.dumps({"k": "never-held", "u": admin.user_id}, salt=SALT)
    assert client.get(preview, {"token": unknown}).status_code == 404


def test_the_edit_form_keeps_a_new_logo_too(client, tenant, owner, mp):
    client.force_login(owner.user)
    old_logo = mp.logo.name
    response = client.post(
        url("edit", tenant, mp.app_id),
        {**edit_data(mp, tagline="Short"), "logo": logo_upload(noise=True)},
    )
    token = held_token(response)
    assert token
    response = client.post(
        url("edit", tenant, mp.app_id), edit_data(mp, tagline="A better tagline", logo_token=token)
    )
    assert response.status_code == 302
    mp.refresh_from_db()
    assert mp.logo.name != old_logo and mp.tagline == "A better tagline"


# --- the industry is a searchable field --------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["Food & Beverage › Coffee & tea", "food & beverage ›  coffee & TEA", "coffee-tea"]
)
def test_the_industry_may_be_given_by_its_path_or_code(client, tenant, owner, typed):
    client.force_login(owner.user)
    response = client.post(
        url("create", tenant), {**form_data(industry=typed), "logo": logo_upload()}
    )
    assert response.status_code == 302
    assert MiniProgram.objects.get(workspace=tenant).industry.code == "coffee-tea"


def test_an_unknown_industry_is_refused_and_kept_in_the_field(client, tenant, owner):
    client.force_login(owner.user)
    response = client.post(
        url("create", tenant), {**form_data(industry="Space tourism"), "logo": logo_upload()}
    )
    form = response.context["form"]
    assert "“Space tourism” is not an industry of the list" in form.errors["industry"][0]
    assert 'value="Space tourism"' in response.content.decode()


def test_the_edit_form_shows_the_industry_by_its_path(client, tenant, owner, mp):
    client.force_login(owner.user)
    body = client.get(url("edit", tenant, mp.app_id)).content.decode()
    assert 'value="Food &amp; Beverage › Coffee &amp; tea"' in body


# --- from the dashboard to the first upload in one step ----------------------------------------


def test_create_from_the_first_run_card_lands_on_the_upload_page_with_1_0_0(client, tenant, owner):
    client.force_login(owner.user)
    page = client.get(url("create", tenant) + "?then=upload").content.decode()
    assert '<input type="hidden" name="then" value="upload">' in page
    assert "Create and upload a version" in page
    response = client.post(
        url("create", tenant), {**form_data(then="upload"), "logo": logo_upload()}, follow=True
    )
    created = MiniProgram.objects.get(workspace=tenant)
    assert response.redirect_chain[-1][0] == reverse(
        "releases:upload", args=[tenant.slug, created.app_id]
    )
    assert response.context["form"]["version"].value() == "1.0.0"
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [
        f"“Tea House” is created. Its App ID is {created.app_id}. Upload its first version."
    ]
