"""The mini program journey in a real browser (Playwright + Debian's Chromium).

A new owner signs up, creates a tenant workspace, follows the quick-start card into the wizard,
fills every field (with a real PNG logo and an industry picked from the filtered list), invites
a Developer, enters the console and finds the new App ID in the list. Then a release is
simulated, the profile edited (pending changes beside the released values) and testers added.
Screenshots: var/screenshots/miniprograms-*.png.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from miniprograms.models import MiniProgram
from miniprograms.services.profile import miniprogram_profile_release
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import Invitation, Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory
from workspaces.tests.signup import signup_link_path

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "amber-lantern-orchard-58"


def square_png(path, side=192):
    """A real, square PNG logo (a two-colour badge, well under 256 KB)."""
    image = Image.new("RGB", (side, side), (59, 91, 219))
    for x in range(side // 4, 3 * side // 4):
        for y in range(side // 4, 3 * side // 4):
            image.putpixel((x, y), (255, 255, 255))
    image.save(path, format="PNG")
    return path


def test_new_owner_runs_the_quick_start_and_finds_the_app_id(page: Page, screenshot_dir, tmp_path):
    shots: list[str] = []

    def shot(step: str) -> None:
        name = f"miniprograms-{len(shots) + 1:02d}-{step}.png"
        page.evaluate("window.scrollTo(0, 0)")  # a page opened at an #anchor is scrolled
        page.screenshot(path=screenshot_dir / name, full_page=True)
        shots.append(name)

    # 1. Sign up and create a tenant workspace.
    page.goto("/welcome/signup/")
    page.fill("input[name=name]", "Nora Owner")
    page.fill("input[name=email]", "nora@nova.example")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/welcome/signup/sent/$"))
    expect(page.locator("main, body").first).to_contain_text("nora@nova.example")
    page.goto(signup_link_path("nora@nova.example"))  # the link from the email
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/welcome/workspace/$"))
    page.fill("input[name=name]", "Nova Super App")
    page.get_by_text("You run a super app").click()
    page.get_by_role("button", name="Create workspace").click()
    page.wait_for_url(re.compile(r"/w/nova-super-app/$"))
    workspace = Workspace.objects.get(slug="nova-super-app")
    owner = Membership.objects.get(workspace=workspace, role="owner")
    # The super app the mini program goes into (host apps have their own journey).
    host_app_create(actor=owner, name="Nova Wallet", platforms={"android": "com.nova.wallet"})

    # 2. The dashboard offers the quick start prominently; the sidebar has "Mini programs".
    page.reload()
    expect(page.get_by_role("heading", name="Create your first mini program")).to_be_visible()
    expect(page.locator("nav.sidebar")).to_contain_text("Mini programs")
    shot("dashboard-quick-start")
    page.get_by_role("link", name=re.compile("run the quick start")).click()
    page.wait_for_url(re.compile(r"/miniprograms/quick-start/$"))
    expect(page.locator(".wizard-steps [aria-current=step]")).to_contain_text("Basic information")

    # 3. A first try with mistakes: every error by its field and on top; input kept.
    page.fill("input[name=name]", "ab")
    expect(page.locator("#id_name_counter")).to_contain_text("2 / 30 units")
    page.fill("input[name=tagline]", "Too short")
    page.fill("input[name=service_phone]", "12345")
    page.get_by_role("button", name="Create and continue").click()
    expect(page.locator(".form-errors")).to_contain_text("The name is 2 units long")
    expect(page.locator(".form-errors")).to_contain_text("Upload a logo")
    expect(page.locator("input[name=tagline]")).to_have_value("Too short")
    expect(page.locator("#id_service_phone_error")).to_contain_text("XXXX-XXXXXXX")
    expect(page.get_by_text("choose the logo file again")).to_be_visible()
    shot("create-form-with-errors")

    # 4. Every field, right: a CJK name counted in width units, a real PNG, a filtered industry.
    page.fill("input[name=name]", "Nova 茶馆")  # a CJK character counts 2 units
    expect(page.locator("#id_name_counter")).to_contain_text("9 / 30 units")
    page.fill("input[name=name]", "Nova Tea House")
    expect(page.locator("#id_name_counter")).to_contain_text("14 / 30 units")
    page.fill("input[name=tagline]", "Fresh tea in two taps")
    page.fill(
        "textarea[name=description]", "Order tea and snacks from Nova's tea house and pick them up."
    )
    page.set_input_files("input[name=logo]", str(square_png(tmp_path / "nova-logo.png")))
    expect(page.locator("[data-logo-preview]")).to_contain_text("192×192 px")
    # The industry is a searchable text field: its suggestions come from a <datalist>.
    expect(page.locator("input[name=industry]")).to_have_attribute("list", "industry-options")
    expect(
        page.locator("#industry-options option[value='Food & Beverage › Coffee & tea']")
    ).to_have_count(1)
    page.fill("input[name=industry]", "Food & Beverage › Coffee & tea")
    page.fill("input[name=service_phone]", "0571-26888888")
    page.fill("input[name=service_email]", "tea@nova.example")
    page.get_by_label("Nova Wallet").check()
    page.select_option("select[name=lang-0-language]", "ja")
    page.fill("input[name=lang-0-name]", "ノヴァ茶館")
    page.fill("input[name=lang-0-tagline]", "二回のタップで新鮮なお茶を")
    page.fill(
        "textarea[name=lang-0-description]",
        "ノヴァの茶館でお茶と軽食を注文して、待たずに受け取れます。",
    )
    shot("create-form-filled")
    page.get_by_role("button", name="Create and continue").click()

    # 5. Step 2: invite a Developer (assigned to the new mini program when they join).
    page.wait_for_url(re.compile(r"/quick-start/\d{16}/members/$"))
    mp = MiniProgram.objects.get(workspace=workspace)
    expect(page.locator(".created-box")).to_contain_text(mp.app_id)
    page.fill("input[name=invite-0-name]", "Dev Dora")
    page.fill("input[name=invite-0-email]", "dora@nova.example")
    page.select_option("select[name=invite-0-role]", "developer")
    shot("wizard-members")
    page.get_by_role("button", name="Enter console").click()

    # 6. The console: the mini program's page.
    page.wait_for_url(re.compile(rf"/miniprograms/{mp.app_id}/$"))
    expect(page.locator(".flash-success")).to_contain_text("Invited 1 person")
    expect(page.get_by_role("heading", name="Nova Tea House", level=1)).to_be_visible()
    expect(page.get_by_text("Not released yet.")).to_be_visible()
    assert Invitation.objects.get(email="dora@nova.example").app_ids == [mp.app_id]
    assert [t.host_app.name for t in mp.targets.all()] == ["Nova Wallet"]
    assert mp.logo and mp.languages.get().name == "ノヴァ茶館"

    # 7. Find it in the list by its App ID, from the top-bar search.
    page.fill("#topbar-search", mp.app_id)
    page.press("#topbar-search", "Enter")
    page.wait_for_url(re.compile(rf"/miniprograms/\?q={mp.app_id}$"))
    rows = page.locator("table.mp-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(mp.app_id)
    expect(rows.first).to_contain_text("Nova Wallet")
    shot("list-search-by-app-id")

    # 8. After a release, an edit is staged: pending values beside the released ones.
    miniprogram_profile_release(miniprogram_id=mp.pk)
    rows.first.get_by_role("link", name="Nova Tea House").click()
    tabs = page.get_by_role("navigation", name="Mini program sections")
    tabs.get_by_role("link", name="Settings").click()
    page.fill("input[name=tagline]", "Fresh tea, now with delivery")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(rf"/miniprograms/{mp.app_id}/$"))
    pending = page.locator(".notice-pending")
    expect(pending).to_contain_text("Pending until the next release")
    expect(pending).to_contain_text("These changes apply when the next version is released.")
    expect(pending.get_by_role("link", name="Go to Versions")).to_be_visible()
    expect(pending).to_contain_text("Fresh tea, now with delivery")
    expect(pending).to_contain_text("Fresh tea in two taps")
    shot("detail-pending-changes")

    # 9. Members & testers: add testers, one per line.
    tabs.get_by_role("link", name="Members & testers").click()
    page.fill("textarea[name=accounts]", "13800000001\n13800000002\nqa@nova.example")
    page.get_by_role("button", name="Add testers").click()
    expect(page.locator(".flash-success")).to_contain_text("Added 3 testers.")
    expect(page.locator("#testers table")).to_contain_text("qa@nova.example")
    shot("members-and-testers")

    # 10. Off shelf, from the dialog on the Settings tab: a reason is asked for.
    tabs.get_by_role("link", name="Settings").click()
    page.get_by_text("Take off shelf…").click()
    page.fill("#shelf-reason", "Menu update this weekend")
    shot("settings-off-shelf-dialog")
    page.get_by_role("button", name="Take off shelf", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("is off shelf")
    expect(page.locator(".mp-meta")).to_contain_text("Off shelf")
    mp.refresh_from_db()
    assert (mp.shelf_status, mp.shelf_reason) == ("off_shelf", "Menu update this weekend")

    for name in shots:
        assert (screenshot_dir / name).stat().st_size > 0


def test_first_run_card_leads_to_the_first_upload_keeping_the_logo(
    page: Page, screenshot_dir, tmp_path
):
    """From the empty Overview, "Create a mini program" → the form (a mistake keeps the chosen
    logo) → the new mini program's upload page with 1.0.0 suggested → an upload whose scan
    fails says so. Screenshots at 1440 px: var/screenshots/first-run-*.png."""
    shots: list[str] = []

    def shot(step: str) -> None:
        name = f"first-run-{len(shots) + 1:02d}-{step}.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_dir / name, full_page=True)
        shots.append(name)

    page.set_viewport_size({"width": 1440, "height": 900})
    user = UserFactory(email="finn@first.example", name="Finn First")
    workspace = workspace_create(owner=user, name="First Run Co", kind="tenant")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "finn@first.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/w/{workspace.slug}/$"))

    # 1. The Overview: no fake zeros, one obvious first step.
    expect(page.locator("[data-placeholder-card]")).to_have_count(0)  # every card is real
    expect(page.locator("[data-alerts-empty]")).to_be_visible()
    shot("dashboard")
    page.get_by_role("link", name="Create a mini program").click()
    page.wait_for_url(re.compile(r"/miniprograms/new/\?then=upload$"))

    # 2. A mistake in the tagline: the chosen logo is kept (preview and hidden token).
    page.fill("input[name=name]", "First Bakery")
    page.fill("input[name=tagline]", "Bread")
    page.fill("textarea[name=description]", "Order fresh bread and pastries from First Bakery.")
    page.set_input_files("input[name=logo]", str(square_png(tmp_path / "bakery.png")))
    page.fill("input[name=industry]", "Food & Beverage › Coffee & tea")
    page.fill("input[name=service_phone]", "0571-26888888")
    page.fill("input[name=service_email]", "help@bakery.example")
    page.get_by_role("button", name="Create and upload a version").click()
    expect(page.locator("#id_tagline_error")).to_be_visible()
    held = page.locator("img[data-logo-held]")
    expect(held).to_be_visible()
    # The <img> has its size in attributes, so it is "visible" before its bytes arrive: wait
    # until the browser finished with it (loaded or failed), then check it decoded.
    # (Polled from here: wait_for_function compiles its predicate in the page, which the
    # console's CSP — no 'unsafe-eval' — refuses whenever the first check is not yet true.)
    complete = "document.querySelector('img[data-logo-held]').complete"
    for _ in range(100):
        if page.evaluate(complete):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(complete)
    assert page.evaluate("document.querySelector('img[data-logo-held]').naturalWidth") == 192
    expect(page.locator("[data-logo-kept]")).to_be_visible()
    expect(page.get_by_text("choose the logo file again")).to_have_count(0)
    shot("form-error-logo-kept")

    # 3. Fixed, without choosing the logo again: created, and on its upload page with 1.0.0.
    page.fill("input[name=tagline]", "Fresh bread every morning")
    page.get_by_role("button", name="Create and upload a version").click()
    page.wait_for_url(re.compile(r"/versions/upload/$"))
    mp = MiniProgram.objects.get(workspace=workspace)
    assert mp.logo
    expect(page.locator(".flash-success")).to_contain_text("Upload its first version.")
    expect(page.locator("input[name=version]")).to_have_value("1.0.0")
    expect(page.locator("#id_version_help")).to_contain_text("Suggested: 1.0.0")
    shot("upload-suggested")

    # 4. A package whose scan fails (a listed page is missing): the flash says so, in red.
    page.set_input_files(
        "input[name=package]",
        {
            "name": "bakery-1.0.0.zip",
            "mimeType": "application/zip",
            "buffer": zip_bytes(with_files({"pages/cart/index.js": None})),
        },
    )
    expect(page.locator("[data-file-name]")).to_contain_text(re.compile(r"· \d+(\.\d)? (B|KB)$"))
    page.get_by_role("button", name="Upload version").click()
    page.wait_for_url(re.compile(r"/versions/1\.0\.0/$"))
    expect(page.locator(".flash-error")).to_contain_text("its scan failed")
    expect(page.locator(".flash-success")).to_have_count(0)
    shot("upload-scan-failed")

    # 5. The mini program's Overview: never released, so grey "Not released", no "Last released".
    page.goto(f"/w/{workspace.slug}/miniprograms/{mp.app_id}/")
    expect(page.locator(".mp-meta .badge-neutral")).to_have_text("Not released")
    expect(page.get_by_text("Last released")).to_have_count(0)
    shot("overview-not-released")

    for name in shots:
        assert (screenshot_dir / name).stat().st_size > 0
