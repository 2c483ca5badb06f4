"""The console shell around every page: the sidebar outside a workspace, the way back from the
API docs, and the product's confirmation dialog instead of the browser's ``confirm()``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from workspaces.models import Membership
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def owner():
    return MembershipFactory(role=Membership.Role.OWNER, workspace__name="Acme Super App")


@pytest.mark.parametrize("path", ["/accounts/profile/", "/accounts/security/", "/accounts/tokens/"])
def test_account_pages_keep_the_sidebar_and_switcher_of_the_workspace(client, owner, path):
    client.force_login(owner.user)

    body = client.get(path).content.decode()

    sidebar = body[body.index('class="sidebar"') :]
    assert f"/w/{owner.workspace.slug}/members/" in sidebar
    assert "data-nav-toggle" in body and 'aria-expanded="false"' in body  # the menu button
    assert "Acme Super App" in body[: body.index('class="sidebar"')]  # the switcher names it


def test_a_user_without_a_workspace_gets_no_sidebar(client):
    from workspaces.tests.factories import UserFactory

    client.force_login(UserFactory())
    body = client.get("/accounts/profile/").content.decode()
    assert 'class="sidebar"' not in body and "data-nav-toggle" not in body


EXTERNAL_ASSET = re.compile(
    r"<(?:script|img)\b[^>]*\ssrc=[\"']?(?:https?:)?//|<link\b[^>]*\shref=[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


def test_the_api_docs_lead_back_to_the_console(client, owner):
    client.force_login(owner.user)

    body = client.get("/api/docs/").content.decode()

    assert 'href="/" data-back-to-console>' in body and "Back to the console" in body
    # served locally: no script, image or stylesheet from another host (a CDN); the word
    # itself is no test — a random CSP nonce once began with "cdn"
    assert not EXTERNAL_ASSET.findall(body)


def test_destructive_forms_use_the_product_dialog(client, owner):
    token_create(user=owner.user, name="CI")
    client.force_login(owner.user)

    body = client.get("/accounts/tokens/").content.decode()

    assert '<dialog class="confirm-dialog"' in body
    revoke = body[body.index("/revoke/") :]
    assert 'data-confirm-title="Revoke this token?"' in body
    assert "anything using it stops working at once." in revoke[:600]


def _product_files() -> list[Path]:
    files: list[Path] = []
    for top in ("static", "templates", "workspaces", "miniprograms", "releases", "console"):
        for suffix in ("*.html", "*.js"):
            files += [p for p in (ROOT / top).rglob(suffix) if "/tests/" not in str(p)]
    return files


def test_no_page_or_script_uses_the_browsers_confirm():
    files = _product_files()
    assert any(p.name == "mpp.js" for p in files)
    offenders = [str(p.relative_to(ROOT)) for p in files if "confirm(" in p.read_text()]
    assert offenders == []
