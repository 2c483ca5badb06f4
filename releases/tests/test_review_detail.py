"""A release review as the approvals hub shows it (issue 10): the version, its scan and quality
report, the diff against what is online, the reviewer's preview QR code with its signed,
expiring token — read by the tenant's deciders, who are not members of the merchant's
workspace, strictly through the request."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget
from releases.release.services import release_publish, release_submit
from releases.review.preview import (
    PREVIEW_SALT,
    PreviewTokenExpired,
    PreviewTokenInvalid,
    preview_link,
    preview_qr_svg,
    preview_token_make,
    preview_token_verify,
)
from releases.tests.factories import upload_version
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import ApprovalRequest, AuditEvent, Membership, Workspace
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

PROD = ReleaseTarget.Environment.PRODUCTION


@pytest.fixture
def wallet(owner):
    app, _ = host_app_create(
        actor=owner, name="Acme Wallet", platforms={"android": "a.w"}, preview_scheme="acmewallet"
    )
    return app


@pytest.fixture
def merchant(tenant) -> Workspace:
    return WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Coffee")


@pytest.fixture
def merchant_owner(merchant) -> Membership:
    return MembershipFactory(workspace=merchant, role="owner", user=UserFactory(name="Zed"))


@pytest.fixture
def reviewer(tenant) -> Membership:
    return MembershipFactory(workspace=tenant, role="reviewer")


@pytest.fixture
def shop(merchant_owner, wallet):
    return create_miniprogram(merchant_owner, name="Zeta Order Ahead", host_app_ids=[wallet.pk])


@pytest.fixture
def in_review(merchant_owner, reviewer, shop, wallet, django_capture_on_commit_callbacks):
    """1.0.0 online in production on Acme Wallet; 1.1.0 (a new page, a bigger script, a
    source map) submitted there and waiting for the tenant's review. Both through the real
    pipeline (scan, build, quality review)."""
    capture = django_capture_on_commit_callbacks
    first = upload_version(merchant_owner, shop, "1.0.0", capture=capture)
    (release,) = release_submit(
        actor=merchant_owner, version=first, host_app_ids=[wallet.pk], environment=PROD
    )
    approval_approve(actor=reviewer, request_id=release.approval_id)
    release_publish(actor=merchant_owner, release_id=release.pk)
    package = zip_bytes(
        with_files(
            {
                "pages/cart/index.js": b"Page({ data: { items: [] } });\n" * 40,
                "pages/help/index.js": b"Page({});\n",
                "app.js.map": b"{}",
            }
        )
    )
    second = upload_version(merchant_owner, shop, "1.1.0", data=package, capture=capture)
    (pending,) = release_submit(
        actor=merchant_owner,
        version=second,
        host_app_ids=[wallet.pk],
        environment=PROD,
        notes="Adds a help page.",
    )
    return ApprovalRequest.objects.get(pk=pending.approval_id), pending


def page(workspace: Workspace, request: ApprovalRequest) -> str:
    return reverse("workspaces:approval", args=[workspace.slug, request.pk])


# --- the preview token ----------------------------------------------------------------------


def test_a_preview_token_carries_the_release_and_verifies(in_review):
    _request, release = in_review
    token = preview_token_make(release=release)

    grant = preview_token_verify(token, app_id=release.target.miniprogram.app_id, version="1.1.0")

    assert (grant.release_id, grant.version, grant.host_app_id) == (
        release.pk,
        "1.1.0",
        release.target.host_app_id,
    )
    assert grant.app_id == release.target.miniprogram.app_id


def test_a_preview_token_expires_after_24_hours(in_review, monkeypatch):
    _request, release = in_review
    # Made 24 hours and one minute ago.
    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(int(time.time()) - 24 * 3600 - 60),
    )
    old = preview_token_make(release=release)
    monkeypatch.undo()
    almost = preview_token_make(release=release)

    with pytest.raises(PreviewTokenExpired):
        preview_token_verify(old)
    assert preview_token_verify(almost).release_id == release.pk


def test_a_tampered_or_foreign_token_is_refused(in_review):
    _request, release = in_review
    token = preview_token_make(release=release)
    _claims, rest = token.split(":", 1)
    forged_claims = signing.b64_encode(b'{"r":1,"a":"x","v":"9.9.9","h":1}').decode()

    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature altered
        f"{forged_claims}:{rest}",  # other claims under the old signature
        signing.dumps({"r": release.pk}, salt="another.salt"),  # signed for something else
        signing.dumps({"r": release.pk}, salt=PREVIEW_SALT),  # ours, but missing claims
        "",
    ):
        with pytest.raises(PreviewTokenInvalid):
            preview_token_verify(bad)
    # A genuine token used for another version or mini program is refused too.
    with pytest.raises(PreviewTokenInvalid):
        preview_token_verify(token, version="1.0.0")
    with pytest.raises(PreviewTokenInvalid):
        preview_token_verify(token, app_id="2026000000000000")


def test_the_deep_link_and_its_qr_code(in_review):
    _request, release = in_review
    link = preview_link(scheme="acmewallet", release=release)

    parts = urlsplit(link)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc) == ("acmewallet", "preview")
    assert query["app_id"] == [release.target.miniprogram.app_id]
    assert query["version"] == ["1.1.0"]
    assert preview_token_verify(query["token"][0]).release_id == release.pk
    svg = preview_qr_svg(link)
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and "<path" in svg
    assert "<?xml" not in svg and "http" not in svg  # inline markup, nothing fetched


# --- the request page, as the tenant's deciders see it ----------------------------------------


def test_a_tenant_reviewer_reads_the_version_reports_diff_and_preview(client, in_review, reviewer):
    request, release = in_review
    app_id = release.target.miniprogram.app_id
    assert not Membership.objects.filter(
        user=reviewer.user, workspace=release.target.miniprogram.workspace
    ).exists()
    client.force_login(reviewer.user)

    response = client.get(page(reviewer.workspace, request))

    assert response.status_code == 200
    body = response.content.decode()
    # The version, with its App ID and mini program name.
    version_card = body.split("data-review-version")[1].split("</section>")[0]
    assert "1.1.0" in version_card and app_id in version_card
    assert "Zeta Order Ahead" in version_card and "Acme Wallet" in version_card
    assert "Adds a help page." in body  # the submitter's notes
    # The scan summary and the quality report (the source map is a finding).
    assert "Main package" in body.split("data-review-sizes")[1].split("</section>")[0]
    quality = body.split("data-review-quality")[1].split("</section>")[0]
    assert "Source maps shipped" in quality
    # The diff against what is online there (1.0.0).
    diff = body.split('data-review-diff="ok"')[1].split("</section>")[0]
    assert "Changes from 1.0.0 (online) to 1.1.0" in body
    assert "pages/help/index.js" in diff and "app.js.map" in diff
    assert 'data-diff-files="changed"' in diff and "pages/cart/index.js" in diff
    # The preview: a QR code of a deep link with a valid token for exactly this version.
    assert 'data-review-preview="ready"' in body and 'class="qr-code"' in body
    link = re.search(r'href="(acmewallet://preview\?[^"]+)" data-preview-link', body).group(1)
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    grant = preview_token_verify(query["token"][0], app_id=app_id, version="1.1.0")
    assert grant.release_id == release.pk
    # No link to the merchant's version page: the tenant is not a member there.
    assert "Open the version page" not in body


def test_without_a_scheme_the_page_says_so_and_how_to_set_it(
    client, in_review, reviewer, owner, wallet
):
    request, _release = in_review
    wallet.preview_scheme = ""
    wallet.save(update_fields=["preview_scheme"])

    client.force_login(owner.user)  # may edit host apps: offered the form
    body = client.get(page(owner.workspace, request)).content.decode()
    assert 'data-review-preview="no_scheme"' in body and 'class="qr-code"' not in body
    edit = reverse("workspaces:host-app-edit", args=[owner.workspace.slug, wallet.pk])
    assert f'href="{edit}#releases"' in body
    client.force_login(reviewer.user)  # may not: told who sets it, and where
    body = client.get(page(reviewer.workspace, request)).content.decode()
    assert "Host apps › Acme Wallet › Edit › Preview link scheme" in body
    assert edit not in body


def test_the_merchant_sees_the_review_without_the_preview_and_with_its_version_page(
    client, in_review, merchant_owner
):
    request, release = in_review
    client.force_login(merchant_owner.user)

    body = client.get(page(merchant_owner.workspace, request)).content.decode()

    assert "data-review-version" in body and "data-review-preview" not in body
    version_url = reverse(
        "releases:version",
        args=[merchant_owner.workspace.slug, release.target.miniprogram.app_id, "1.1.0"],
    )
    assert f'href="{version_url}"' in body
    assert "data-withdraw" in body


def test_the_first_release_of_a_target_has_nothing_to_compare_with(
    client, owner, reviewer, merchant_owner, shop, wallet, django_capture_on_commit_callbacks
):
    version = upload_version(
        merchant_owner, shop, "1.0.0", capture=django_capture_on_commit_callbacks
    )
    (release,) = release_submit(
        actor=merchant_owner, version=version, host_app_ids=[wallet.pk], environment=PROD
    )
    client.force_login(reviewer.user)

    body = client.get(
        page(reviewer.workspace, ApprovalRequest.objects.get(pk=release.approval_id))
    ).content.decode()

    assert 'data-review-diff="first"' in body
    assert "this would be the first release there" in body


def test_a_payload_naming_another_release_shows_nothing_of_it(client, in_review, reviewer):
    """The provider reads a release only if it points back to the request: a payload edited to
    name another release (of another request, another tenant…) shows nothing."""
    request, release = in_review
    online = Release.objects.get(target=release.target, state=Release.State.RELEASED)
    ApprovalRequest.objects.filter(pk=request.pk).update(payload={"release_id": online.pk})
    client.force_login(reviewer.user)

    body = client.get(page(reviewer.workspace, request)).content.decode()

    assert "data-review-missing" in body and "data-review-version" not in body


def test_withdrawing_from_the_hub_records_who_withdrew_on_the_release(
    client, in_review, merchant_owner
):
    request, release = in_review
    client.force_login(merchant_owner.user)

    response = client.post(
        reverse("workspaces:approval-withdraw", args=[merchant_owner.workspace.slug, request.pk])
    )

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.state == Release.State.WITHDRAWN
    event = AuditEvent.objects.get(verb="release.withdrawn", target_id=str(release.pk))
    assert event.actor == merchant_owner.user


def test_the_decision_moves_the_release(client, in_review, reviewer):
    request, release = in_review
    client.force_login(reviewer.user)

    response = client.post(
        reverse("workspaces:approval-reject", args=[reviewer.workspace.slug, request.pk]),
        {"reason": "The help page is empty."},
    )

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.state == Release.State.REJECTED
    event = AuditEvent.objects.get(verb="release.rejected", target_id=str(release.pk))
    assert event.actor == reviewer.user
    body = client.get(response["Location"]).content.decode()
    assert "The help page is empty." in body
    assert "data-review-preview" not in body  # decided: no preview any more
