"""The versions journey in a real browser (Playwright + Debian's Chromium).

A developer assigned to a mini program signs in, opens the Versions tab, uploads a package
through the page (file chooser, progress bar on a throttled connection), lands on the version's
page and sees the scan finished (tasks run eagerly in the live server's thread, so the pipeline
is done when the upload answers): timeline, sizes against the 2 MB advice and the quality
report. A second upload's jobs are left queued (the doorbell is silenced in this process, which
the live server shares); they are then run one by one from the test while the page updates
itself without a reload. Then the package diff and the trial version.
Screenshots: var/screenshots/versions-*.png.
"""

from __future__ import annotations

import os
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.tests.factories import create_miniprogram
from releases.models import PackageJob, TrialVersion, Version
from releases.package import jobs
from releases.services.versions import version_upload
from releases.tasks import run_job
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import Membership
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024


def package_with_a_big_subpackage(path) -> str:
    """A real package: the default pages, plus 2.5 MB of media in the subpackage (over the 2 MB
    advice), stored uncompressed so the upload takes a moment on a throttled connection."""
    files = with_files(
        {
            "packageA/media/intro.bin": os.urandom(5 * MB // 2),
            "pages/index/index.js": b"Page({ data: { title: 'Home' } });\ndebugger;\n",
        }
    )
    path.write_bytes(zip_bytes(files, compression=zipfile.ZIP_STORED))
    return str(path)


def run_queued_job(version: Version, kind: str) -> None:
    job = PackageJob.objects.get(version=version, kind=kind)
    assert job.state == PackageJob.State.QUEUED, (kind, job.state)
    run_job.apply(args=[job.pk])


def test_developer_uploads_a_version_and_watches_the_scan_finish(
    page: Page, screenshot_dir, tmp_path, monkeypatch
):
    shots: list[str] = []

    def shot(step: str) -> None:
        name = f"versions-{len(shots) + 1:02d}-{step}.png"
        page.screenshot(path=screenshot_dir / name, full_page=True)
        shots.append(name)

    owner_user = UserFactory(email="nora@nova.example", name="Nora Owner")
    workspace = workspace_create(owner=owner_user, name="Nova Super App", kind="tenant")
    owner = Membership.objects.get(workspace=workspace, user=owner_user)
    mp = create_miniprogram(owner, name="Nova Tea House", tagline="Fresh tea in two taps")
    dev = MembershipFactory(
        workspace=workspace,
        role="developer",
        user=UserFactory(email="dora@nova.example", name="Dora Developer"),
    )
    miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=dev.user_id)
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["13800000001", "qa@nova.ex"])
    # A first version, uploaded earlier from the CLI (the pipeline runs on commit, eagerly).
    version_upload(
        actor=owner,
        miniprogram=mp,
        number="1.0.0",
        notes="First version, from the CLI",
        package=ContentFile(zip_bytes(), name="p.zip"),
    )
    assert Version.objects.get(number="1.0.0").status == Version.Status.READY

    # 1. Sign in; the mini program's Versions tab lists 1.0.0 and the placeholders.
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "dora@nova.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/nova-super-app/$"))
    page.goto(f"/w/nova-super-app/miniprograms/{mp.app_id}/")
    tabs = page.get_by_role("navigation", name="Mini program sections")
    tabs.get_by_role("link", name="Versions").click()
    page.wait_for_url(re.compile(rf"/{mp.app_id}/versions/$"))
    expect(tabs.get_by_role("link", name="Versions")).to_have_attribute("aria-current", "page")
    expect(page.locator(".versions-table tbody tr")).to_have_count(1)
    expect(page.locator("[data-strip-online]")).to_contain_text("Not online")
    shot("list")

    # 2. Upload 1.1.0 through the page: choose the file, watch the progress bar (the upload is
    #    throttled to 1 MB/s so there is something to see), land on the version's page.
    page.get_by_role("link", name="Upload version").click()
    page.wait_for_url(re.compile(r"/versions/upload/$"))
    expect(page.locator("input[name=version]")).to_have_value("1.0.1")
    page.fill("input[name=version]", "1.1.0")
    page.fill("textarea[name=notes]", "New intro video in the subpackage")
    with page.expect_file_chooser() as chooser:
        page.locator("input[name=package]").click()
    chooser.value.set_files(package_with_a_big_subpackage(tmp_path / "nova-1.1.0.zip"))
    expect(page.locator("[data-file-name]")).to_contain_text("nova-1.1.0.zip · 2.5")
    # A number that is not greater: the script shows the refusal by its field, input kept.
    page.fill("input[name=version]", "1.0.0")
    page.get_by_role("button", name="Upload version").click()
    version_field = page.locator(".field", has=page.locator("input[name=version]"))
    expect(version_field.locator(".error")).to_contain_text(
        "Version 1.0.0 must be greater than 1.0.0, the highest version ever uploaded"
    )
    expect(page.locator("[data-errors-summary]")).to_contain_text("Nothing was uploaded.")
    expect(page.locator("textarea[name=notes]")).to_have_value("New intro video in the subpackage")
    assert Version.objects.count() == 1
    page.fill("input[name=version]", "1.1.0")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": MB},
    )
    page.get_by_role("button", name="Upload version").click()
    progress = page.locator("[data-progress-text]")
    expect(progress).to_contain_text(re.compile(r"Uploading… [\d.]+ MB of 2\.\d+ MB · [\d.]+ MB/s"))
    expect(page.locator("[data-progress-bar]")).not_to_have_attribute("value", "0")
    shot("upload-progress")
    page.wait_for_url(re.compile(r"/versions/1\.1\.0/$"), timeout=60_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    # 3. The scan ran while the upload answered: the timeline is complete, the subpackage is
    #    over the 2 MB advice, the quality report lists the findings.
    # The flash tells what the page shows: the scan already finished (not "being scanned").
    expect(page.locator(".flash-success")).to_contain_text(
        "Version 1.1.0 is uploaded, scanned and built: it is ready."
    )
    expect(page.locator(".version-title [data-version-status]")).to_have_text("Ready")
    steps = page.locator(".timeline-step")
    expect(steps).to_have_count(4)
    for n in range(4):
        expect(steps.nth(n)).to_have_class(re.compile(r"\bis-done\b"))
    expect(steps.nth(0)).to_contain_text("Dora Developer")
    expect(page.locator(".size-bars")).to_contain_text("Over 2 MB")
    quality = page.locator("#quality")
    expect(quality).to_contain_text("Package size over 2 MB")
    expect(quality).to_contain_text("debugger statements")
    expect(page.locator("#audit tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="Complete package")).to_be_visible()
    shot("version-ready")

    # 4. A second upload whose jobs wait: nobody answers the doorbell in this process.
    monkeypatch.setattr(jobs, "_ring", lambda job_id: None)
    page.goto(f"/w/nova-super-app/miniprograms/{mp.app_id}/versions/upload/")
    page.fill("input[name=version]", "1.2.0")
    page.set_input_files(
        "input[name=package]",
        {
            "name": "nova-1.2.0.zip",
            "mimeType": "application/zip",
            "buffer": zip_bytes(
                with_files({"pages/cart/extra.js": b"Page({ data: { extra: 1 } });\n"})
            ),
        },
    )
    page.get_by_role("button", name="Upload version").click()
    page.wait_for_url(re.compile(r"/versions/1\.2\.0/$"))
    version = Version.objects.get(number="1.2.0")
    scan = page.locator("[data-step=scan]")
    expect(scan).to_have_class(re.compile(r"\bis-queued\b"))
    expect(page.locator("[data-live-note]")).to_be_visible()  # the script polls
    page.evaluate("window.__sameDocument = true")  # gone if the page reloaded
    # The worker picks the scan up and reports progress: the bar moves without a reload.
    PackageJob.objects.filter(version=version, kind="scan").update(
        state="running", progress=60, lease_expires_at="2099-01-01T00:00:00Z"
    )
    expect(scan).to_have_class(re.compile(r"\bis-running\b"))
    expect(scan.locator("[data-step-progress]")).to_have_attribute("aria-valuenow", "60")
    shot("version-scanning-live")
    PackageJob.objects.filter(version=version, kind="scan").update(state="queued", progress=0)
    run_queued_job(version, "scan")
    expect(scan).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator("[data-step=build]")).to_have_class(re.compile(r"\bis-queued\b"))
    run_queued_job(version, "build")
    expect(page.locator(".version-title [data-version-status]")).to_have_text("Ready")
    run_queued_job(version, "quality")
    expect(page.locator("[data-step=quality]")).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator("#quality")).to_contain_text("No findings")
    expect(page.locator("[data-live-note]")).to_have_count(0)  # nothing left to watch
    assert page.evaluate("window.__sameDocument") is True
    shot("version-finished-live")

    # 5. The package diff against the version before.
    page.get_by_role("link", name="Compare").click()
    page.wait_for_url(re.compile(r"/versions/1\.2\.0/diff/$"))
    expect(page.locator(".version-title")).to_contain_text("1.2.0 against 1.1.0")
    expect(page.locator("#files-added")).to_contain_text("pages/cart/extra.js")
    expect(page.locator("#files-removed")).to_contain_text("packageA/media/intro.bin")
    expect(page.locator(".diff-parts")).to_contain_text("−2.5")
    shot("diff")

    # 6. The trial version: 1.2.0 at the cart page, for the two whitelisted testers.
    page.goto(f"/w/nova-super-app/miniprograms/{mp.app_id}/versions/")
    page.get_by_role("link", name="Trial version").first.click()
    expect(page.locator(".notice-info")).to_contain_text("2 testers are on the whitelist")
    page.select_option("select[name=version]", "1.2.0")
    page.select_option("select[name=page_path]", "pages/cart/index")
    page.fill("input[name=query]", "from=qa")
    page.get_by_role("button", name="Save trial version").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Whitelisted testers now open version 1.2.0 at pages/cart/index?from=qa."
    )
    shot("trial")
    trial = TrialVersion.objects.get(miniprogram=mp)
    assert (trial.version.number, trial.launch_path) == ("1.2.0", "pages/cart/index?from=qa")

    # 7. At 1440 px, the list writes every size one way: small packages in B or KB, never
    #    "0.00 MB"; the big one in MB.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"/w/nova-super-app/miniprograms/{mp.app_id}/versions/")
    sizes = page.locator(".versions-table tbody tr td.num")
    expect(page.locator(".versions-table")).not_to_contain_text("0.00 MB")
    expect(page.locator(".versions-table")).to_contain_text(re.compile(r"\b2\.5 MB\b"))
    expect(page.locator(".versions-table")).to_contain_text(re.compile(r"\b\d+ B\b"))
    assert sizes.count() >= 3
    shot("list-sizes-1440")

    for name in shots:
        assert (screenshot_dir / name).stat().st_size > 0


def test_the_versions_list_follows_a_scan_without_a_reload(page: Page, screenshot_dir, monkeypatch):
    owner_user = UserFactory(email="lena@lumen.example", name="Lena Owner")
    workspace = workspace_create(owner=owner_user, name="Lumen Super App", kind="tenant")
    owner = Membership.objects.get(workspace=workspace, user=owner_user)
    mp = create_miniprogram(owner, name="Lumen Books", tagline="Books in two taps")
    version_upload(  # the pipeline runs on commit, eagerly: ready
        actor=owner, miniprogram=mp, number="1.0.0", package=ContentFile(zip_bytes(), name="p.zip")
    )
    monkeypatch.setattr(jobs, "_ring", lambda job_id: None)  # nobody runs 1.1.0's jobs
    version = version_upload(
        actor=owner, miniprogram=mp, number="1.1.0", package=ContentFile(zip_bytes(), name="p.zip")
    )

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "lena@lumen.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/lumen-super-app/$"))
    page.goto(f"/w/lumen-super-app/miniprograms/{mp.app_id}/versions/")
    row = page.locator('tr[data-version="1.1.0"]')
    expect(row.locator("[data-version-status]")).to_have_text("Scanning")
    expect(page.locator('tr[data-version="1.0.0"]')).not_to_have_attribute(
        "data-status-url", re.compile(".")
    )
    notice = page.locator("[data-versions-notice]")
    expect(notice.locator("[data-live-note]")).to_be_visible()  # the script polls
    expect(notice.locator("[data-refresh-link]")).to_be_hidden()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloaded

    # The worker reports progress: the row's bar moves.
    PackageJob.objects.filter(version=version, kind="scan").update(
        state="running", progress=60, lease_expires_at="2099-01-01T00:00:00Z"
    )
    expect(row.locator("[data-stage] [role=progressbar]")).to_have_attribute("aria-valuenow", "60")
    expect(row.locator("[data-stage-text]")).to_have_text("Scanning · 60%")
    page.screenshot(path=screenshot_dir / "versions-list-live.png", full_page=True)
    PackageJob.objects.filter(version=version, kind="scan").update(state="queued", progress=0)

    # Scan and build: the row turns Ready, its review runs; then the review's result shows.
    run_queued_job(version, "scan")
    expect(row.locator("[data-stage-text]")).to_have_text(re.compile(r"^Building · \d+%$"))
    run_queued_job(version, "build")
    expect(row.locator("[data-version-status]")).to_have_text("Ready")
    expect(row).to_contain_text("Reviewing…")
    expect(page.locator(".version-strip [data-version-status]")).to_have_text("Ready")
    expect(notice.locator("[data-live-note]")).to_be_visible()
    run_queued_job(version, "quality")
    expect(row).to_contain_text("No findings")
    expect(page.locator("tr[data-status-url]")).to_have_count(0)  # nothing left to watch
    expect(page.locator("[data-versions-notice]")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
