"""One rule for display text (console/text.py) at every entry point that accepts it.

Names, titles and notes shown to other people are NFC-normalised and trimmed; control, format
(bidi overrides, zero-width), private-use and unassigned characters are refused with one
sentence naming the field. Each entry point below is driven through its service (the door the
console, the API and the shell share), plus the console and API surfaces of workspace names.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from console.text import CONTROL, clean_display_text, forbidden_character, has_control
from miniprograms.validators import validate_name as validate_miniprogram_name
from workspaces.models import HostApp, Invitation, Membership, User, Workspace
from workspaces.services.accounts import user_update
from workspaces.services.developer_workspaces import developer_workspace_create
from workspaces.services.hostapps import host_app_create, host_app_update
from workspaces.services.invitations import (
    InviteSpec,
    invitation_accept_with_signup,
    invitation_create_batch,
)
from workspaces.services.settings import workspace_settings_update
from workspaces.services.signup import signup_request
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

PASSWORD = "orbit-lantern-mosaic-42"

REFUSED = [
    pytest.param("Acme \x1b[31mRed\x1b[0m", "U+001B", id="ansi-escape"),
    pytest.param("Acme \u202eevil.exe", "U+202E", id="bidi-override"),
    pytest.param("Acme \u2066Co\u2069", "U+2066", id="bidi-isolate"),
    pytest.param("Acme\x00Co", "U+0000", id="nul"),
    pytest.param("Acme\u200bCo", "U+200B", id="zero-width-space"),
    pytest.param("Acme\nCo", "U+000A", id="line-feed"),
    pytest.param("Acme \ue000 Co", "U+E000", id="private-use"),
]
ACCEPTED = "  云端商店 Café 🛍️ 👩‍💻  "  # CJK, a decomposed-or-not accent, emoji with a ZWJ sequence
ACCEPTED_STORED = "云端商店 Café 🛍️ 👩‍💻"


def _tenant_owner() -> Membership:
    return MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")


def _invitation_token(capture) -> str:
    owner = _tenant_owner()
    with capture(execute=True):
        invitation_create_batch(
            actor=owner,
            specs=[InviteSpec(name="New Person", email="new@example.com", role="admin")],
        )
    match = re.search(r"/invitations/([A-Za-z0-9]+)/", mail.outbox[-1].body)
    assert match
    return match.group(1)


# Each entry point: (name, write(value, capture) -> the stored value).
def _workspace_create(value, capture):
    return workspace_create(owner=UserFactory(), name=value, kind="tenant").name


def _workspace_rename(value, capture):
    owner = _tenant_owner()
    workspace_settings_update(actor=owner, changes={"name": value})
    return Workspace.objects.get(pk=owner.workspace_id).name


def _developer_workspace_create(value, capture):
    with capture(execute=True):
        workspace, _ = developer_workspace_create(
            actor=_tenant_owner(), name=value, owner_email="dev@example.com", owner_name="Dev"
        )
    return workspace.name


def _developer_workspace_owner_name(value, capture):
    with capture(execute=True):
        _, invitation = developer_workspace_create(
            actor=_tenant_owner(), name="Merchant", owner_email="dev@example.com", owner_name=value
        )
    return invitation.name


def _host_app_name(value, capture):
    app, _ = host_app_create(actor=_tenant_owner(), name=value, platforms={"ios": "com.acme"})
    return HostApp.objects.get(pk=app.pk).name


def _host_app_description(value, capture):
    owner = _tenant_owner()
    app, _ = host_app_create(actor=owner, name="Acme", platforms={"ios": "com.acme"})
    host_app_update(
        actor=owner, host_app_id=app.pk, name="Acme", description=value, platforms={"ios": "x"}
    )
    return HostApp.objects.get(pk=app.pk).description


def _invitation_name(value, capture):
    with capture(execute=True):
        (invitation,) = invitation_create_batch(
            actor=_tenant_owner(),
            specs=[InviteSpec(name=value, email="n@example.com", role="admin")],
        )
    return Invitation.objects.get(pk=invitation.pk).name


def _invitation_signup_name(value, capture):
    token = _invitation_token(capture)
    membership = invitation_accept_with_signup(raw_token=token, name=value, password=PASSWORD)
    return User.objects.get(pk=membership.user_id).name


def _profile_name(value, capture):
    user = UserFactory()
    user_update(user=user, name=value, timezone="UTC")
    return User.objects.get(pk=user.pk).name


def _signup_name(value, capture):
    with capture(execute=True):
        signup_request(email="new@example.com", name=value)
    assert "/welcome/signup/confirm/" in mail.outbox[-1].body
    return clean_display_text(value, label="Your name")  # stored from the link, as cleaned


def _token_name(value, capture):
    token, _ = token_create(user=UserFactory(), name=value)
    return token.name


def _miniprogram_name(value, capture):
    validate_miniprogram_name(value)
    return clean_display_text(value, label="The name")


ENTRY_POINTS: dict[str, Callable] = {
    "workspace create": _workspace_create,
    "workspace rename": _workspace_rename,
    "developer workspace create": _developer_workspace_create,
    "developer workspace owner name": _developer_workspace_owner_name,
    "host app name": _host_app_name,
    "host app description": _host_app_description,
    "invitation name": _invitation_name,
    "invitation sign-up name": _invitation_signup_name,
    "profile name": _profile_name,
    "sign-up name": _signup_name,
    "API token name": _token_name,
    "mini program name": _miniprogram_name,
}


MULTILINE = {"host app description"}  # keeps line breaks (tested below), refuses the rest
CASES = [
    pytest.param(entry, *case.values, id=f"{case.id}-{entry}")
    for entry in ENTRY_POINTS
    for case in REFUSED
    if not (entry in MULTILINE and case.values[1] == "U+000A")
]


@pytest.mark.parametrize(("entry", "value", "code_point"), CASES)
def test_display_text_with_hidden_characters_is_refused_everywhere(
    entry, value, code_point, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as caught:
        ENTRY_POINTS[entry](value, django_capture_on_commit_callbacks)
    (message,) = caught.value.messages
    assert f"({code_point}" in message and message.endswith("; remove it."), message
    assert re.match(r"^(The|Your) .*\w contains ", message), message  # names the field


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_cjk_and_emoji_display_text_is_accepted_normalised(
    entry, django_capture_on_commit_callbacks
):
    value = ACCEPTED.replace("é", "e\u0301")  # decomposed: stored composed (NFC)
    stored = ENTRY_POINTS[entry](value, django_capture_on_commit_callbacks)
    assert stored == ACCEPTED_STORED


def test_multiline_text_keeps_line_breaks_but_nothing_else(django_capture_on_commit_callbacks):
    assert clean_display_text("a\r\nb\n", label="The note", multiline=True) == "a\r\nb"
    assert _host_app_description("Line one\nline two", django_capture_on_commit_callbacks) == (
        "Line one\nline two"
    )
    with pytest.raises(ValidationError, match=r"The note contains .*U\+0009"):
        clean_display_text("a\tb", label="The note", multiline=True)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("\u200dab", "\u200d"),  # a joiner at the edge joins nothing
        ("a\u200d b", "\u200d"),  # a ZWJ between letters is not an emoji sequence
        ("👩\u200d💻", None),
        ("می\u200cخواهم", None),  # ZWNJ inside a Persian word
        ("a\u200c", "\u200c"),
        ("\U000e0041", "\U000e0041"),  # a tag character
        ("\u0378", "\u0378"),  # unassigned
    ],
)
def test_joiners_are_allowed_only_where_writing_needs_them(text, bad):
    assert forbidden_character(text) == bad


def test_the_console_shows_the_refusal_next_to_the_workspace_name(client):
    client.force_login(UserFactory())
    response = client.post(
        "/welcome/workspace/",
        {"name": "Evil\u202eCo", "kind": "tenant", "default_language": "en"},
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["name"]
    assert error.startswith("The workspace name contains an invisible or control character")
    assert not Workspace.objects.exists()


@pytest.mark.parametrize("value", ["Evil\u202eCo", "\x1b[31mRed", "Zero\u200bWidth"])
def test_the_api_refuses_the_workspace_name_with_a_field_error(value):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.post("/api/v1/workspaces", {"name": value, "kind": "tenant"}, format="json")
    assert response.status_code == 400
    (error,) = response.json()["error"]["fields"]["name"]
    assert error.startswith("The workspace name contains")
    assert not Workspace.objects.exists()


def test_the_control_class_is_exactly_the_categories_cc_and_cs_over_every_code_point():
    """``has_control`` (a regex, for the API's machine-facing fields) against the per-character
    definition it replaced, for all 1,114,112 code points."""
    differ = [
        code
        for code in range(sys.maxunicode + 1)
        if (unicodedata.category(chr(code)) in ("Cc", "Cs")) != has_control(chr(code))
    ]
    assert differ == []
    assert has_control("order\x1b[31m") and has_control("a\ud800b")
    assert not has_control("订单 12 · \u200b\u00a0") and CONTROL.pattern.startswith("[")
