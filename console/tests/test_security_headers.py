"""Every answer carries a Content-Security-Policy and a Permissions-Policy; answers that belong to
one person are ``Cache-Control: private, no-store`` (issue 9, defect 8)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from console.middleware import SecurityHeadersMiddleware
from miniprograms.tests.factories import create_miniprogram
from releases.tests.factories import upload_version
from workspaces.models import Membership, Workspace
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_strict_policy(response) -> None:
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src-elem"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "nonce-" not in response["Content-Security-Policy"]
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature


@pytest.fixture
def member(db):
    user = UserFactory()
    workspace = workspace_create(owner=user, name="Acme", kind=Workspace.Kind.TENANT)
    return user, workspace


def test_a_console_page_is_private_and_under_the_strict_policy(client, member):
    user, workspace = member
    client.force_login(user)

    response = client.get(f"/w/{workspace.slug}/")

    assert response.status_code == 200
    assert_strict_policy(response)
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("signed_in", [True, False])
def test_every_api_answer_is_private_and_under_the_strict_policy(client, member, signed_in):
    user, _workspace = member
    _, raw = token_create(user=user, name="CLI")
    headers = {"Authorization": f"Bearer {raw}"} if signed_in else {}

    response = client.get("/api/v1/me", headers=headers)

    assert response.status_code == (200 if signed_in else 401)
    assert_strict_policy(response)
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_public_page_is_under_the_strict_policy(client):
    login = client.get("/accounts/login/")
    missing = client.get("/no/such/page/")

    assert (login.status_code, missing.status_code) == (200, 404)
    assert_strict_policy(login)
    assert_strict_policy(missing)
    assert "no-cache" in login["Cache-Control"]  # the sign-in page's own never_cache stays


def test_healthz_keeps_its_own_cache_header(client):
    response = client.get("/healthz")

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert "Content-Security-Policy" in response


def test_a_view_that_sets_its_own_policy_and_cache_header_keeps_them(rf: RequestFactory):
    def view(request):
        response = HttpResponse(b"\x89PNG", content_type="image/png")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=300"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/api/v1/logo"))

    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, max-age=300"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_api_docs_page_allows_only_its_own_inline_script_and_style_by_nonce(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    csp = directives(response)
    [nonce_source] = [s for s in csp["script-src"] if s.startswith("'nonce-")]
    assert csp["script-src"] == ["'self'", nonce_source]
    assert csp["style-src-elem"] == ["'self'", nonce_source]
    nonce = nonce_source.removeprefix("'nonce-").removesuffix("'")
    html = response.content.decode()
    assert html.count(f'nonce="{nonce}"') == 2
    assert len(re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", html)) == 0
    again = client.get("/api/docs/")
    assert again["Content-Security-Policy"] != response["Content-Security-Policy"]  # a new nonce


def _templates() -> list[Path]:
    dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(p for d in dirs for p in d.rglob("*.html") if ".venv" not in p.parts)


def test_no_template_has_inline_script_handlers_or_javascript_urls():
    """What ``script-src 'self'`` would block: inline <script> blocks (a nonce is the one way
    in), ``on…=`` attributes and ``javascript:`` URLs."""
    offenders = []
    for path in _templates():
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and "nonce=" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: inline {tag}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']|javascript:", text, re.I):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert _templates(), "no templates found"
    assert not offenders, "\n".join(offenders)


# --- in a real browser -----------------------------------------------------------------------


def _csp_violations(page) -> list[str]:
    messages: list[str] = []

    def listen(message) -> None:
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            messages.append(message.text)

    page.on("console", listen)
    return messages


@pytest.mark.services
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api_docs_and_a_console_page_load_without_csp_violations(page):
    from playwright.sync_api import expect

    user = UserFactory(email="docs@example.com")
    workspace_create(owner=user, name="Acme", kind=Workspace.Kind.TENANT)
    violations = _csp_violations(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme/$"))
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()

    page.goto("/api/docs/")
    # Swagger UI ran (the inline configuration script) and fetched and rendered the schema.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("MPP API")
    expect(page.locator(".opblock").first).to_be_visible()

    assert violations == [], "\n".join(violations)
    assert errors == []


@pytest.mark.services
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_console_pages_run_under_the_policy_without_violations(page):
    """Pages with scripts (upload, status polling, copy buttons, dialogs) and with data-driven
    style attributes (progress, size and diff bars) keep working under the policy."""
    from playwright.sync_api import expect

    user = UserFactory(email="nora@nova.example", name="Nora Owner")
    workspace = workspace_create(owner=user, name="Nova", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=workspace, user=user)
    mp = create_miniprogram(owner, name="Nova Tea House")
    first = upload_version(owner, mp, "1.0.0")
    second = upload_version(owner, mp, "1.1.0")
    violations = _csp_violations(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/nova/$"))
    base = f"/w/{workspace.slug}/miniprograms/{mp.app_id}"
    for url in (
        f"/w/{workspace.slug}/",
        f"/w/{workspace.slug}/miniprograms/",
        f"{base}/",
        f"{base}/versions/",
        f"{base}/versions/upload/",
        f"{base}/versions/{first.number}/",
        f"{base}/versions/{second.number}/diff/",
        "/accounts/tokens/",
        "/accounts/security/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        expect(page.locator("h1").first).to_be_visible()

    assert violations == [], "\n".join(violations)
    assert errors == []
