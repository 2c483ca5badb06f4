"""What a newcomer meets on the version pages (issue 9): a suggested first version, a flash that
tells the scan's real outcome, sizes written one way ("812 B", not "0.00 MB") and notes-only
quality findings in neutral grey."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from releases.models import Version
from releases.tests.factories import upload_version
from releases.tests.packages import DEFAULT_FILES, with_files, zip_bytes

BANNER = DEFAULT_FILES["packageA/images/banner.png"]
NOTES_ONLY = zip_bytes(with_files({"packageA/images/banner-copy.png": BANNER}))  # a duplicate


def upload_page(mp) -> str:
    return reverse("releases:upload", args=[mp.workspace.slug, mp.app_id])


def named(data: bytes) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = "app.zip"
    return buffer


# --- the suggested version ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_upload_suggests_1_0_0_and_says_why(client, owner, mp):
    client.force_login(owner.user)
    response = client.get(upload_page(mp))
    form = response.context["form"]
    assert form["version"].value() == "1.0.0"
    assert "Suggested: 1.0.0, as this is the first version" in form.fields["version"].help_text
    assert "--version 1.0.0 ./dist" in response.content.decode()


@pytest.mark.django_db
def test_a_later_upload_suggests_the_next_patch_after_the_highest_ever(client, owner, mp):
    upload_version(owner, mp, "1.2.0")
    client.force_login(owner.user)
    form = client.get(upload_page(mp)).context["form"]
    assert form["version"].value() == "1.2.1"
    assert "Suggested: 1.2.1, the next patch" in form.fields["version"].help_text


# --- the flash tells the outcome ---------------------------------------------------------------


# A transactional test: the scan runs in-process on commit, inside the upload request (as with
# `make run`), so it has finished by the time the flash is written.
@pytest.mark.django_db(transaction=True)
def test_an_upload_whose_scan_already_failed_flashes_the_failure_not_being_scanned(
    client, owner, mp
):
    client.force_login(owner.user)
    broken = zip_bytes(with_files({"pages/cart/index.js": None}))  # a listed page is missing
    response = client.post(upload_page(mp), {"version": "1.0.0", "package": named(broken)})
    assert Version.objects.get().status == Version.Status.SCAN_FAILED
    page = client.get(response["Location"]).content.decode()
    assert "being scanned" not in page
    assert 'class="flash flash-error"' in page
    assert "Version 1.0.0 is uploaded, but its scan failed: see the reason below." in page


@pytest.mark.django_db(transaction=True)
def test_an_upload_already_scanned_flashes_ready(client, owner, mp):
    client.force_login(owner.user)
    response = client.post(upload_page(mp), {"version": "1.0.0", "package": named(zip_bytes())})
    page = client.get(response["Location"]).content.decode()
    assert "Version 1.0.0 is uploaded, scanned and built: it is ready." in page
    assert "being scanned" not in page


# --- sizes and finding colours -----------------------------------------------------------------


@pytest.mark.django_db
def test_small_packages_are_written_in_bytes_or_kilobytes_never_0_00_mb(
    client, owner, mp, django_capture_on_commit_callbacks
):
    version = upload_version(owner, mp, "1.0.0", capture=django_capture_on_commit_callbacks)
    client.force_login(owner.user)
    args = [mp.workspace.slug, mp.app_id]
    listing = client.get(reverse("releases:versions", args=args)).content.decode()
    page = client.get(reverse("releases:version", args=[*args, "1.0.0"])).content.decode()
    size = f"{version.package_size} B" if version.package_size < 1024 else None
    for body in (listing, page):
        assert "MB</" not in body.replace("2 MB", "")  # only the 2 MB advice speaks of MB
        assert "bytes" not in body
        if size:
            assert size in body


@pytest.mark.django_db
def test_notes_only_findings_are_neutral_grey_warnings_amber(
    client, owner, mp, django_capture_on_commit_callbacks
):
    upload_version(owner, mp, "1.0.0", NOTES_ONLY, capture=django_capture_on_commit_callbacks)
    client.force_login(owner.user)
    args = [mp.workspace.slug, mp.app_id]
    listing = client.get(reverse("releases:versions", args=args)).content.decode()
    assert 'class="badge badge-neutral" data-quality-badge>1 finding' in listing
    page = client.get(reverse("releases:version", args=[*args, "1.0.0"])).content.decode()
    assert 'class="badge badge-neutral" data-quality-badge>0 warnings · 1 note' in page
    assert '<span class="badge badge-neutral">Note</span>' in page
    assert "badge-blue" not in page.split('id="quality"')[1]
