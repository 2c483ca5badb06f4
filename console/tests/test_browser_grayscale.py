"""A grayscale release in a real browser (Playwright + Debian's Chromium), on a desktop (1440 px)
and on a phone (390 px).

The Owner of a tenant opens the Releases tab, starts a grayscale task on the host app's test
environment from the console — a typed list of accounts and 20 % of them, starting now — after
the confirmation says what will happen, and sees it delivering. The audience preview then
answers for an account on the list (in the 20 %: the grayscale version, and why) and for one
that is not (the online version, and which condition failed). Finally the task is suspended
after its dialog. No page scrolls sideways. Screenshots: /work/helpers/shots/grayscale-*.png
(and var/screenshots/).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from miniprograms.tests.factories import create_miniprogram
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.targeting import bucket
from releases.tests.test_grayscale_services import approve, online, ready_version
from workspaces.models import Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = Path("/work/helpers/shots")
ACCOUNTS = [f"friend-{n:02d}" for n in range(40)]
WHERE = "Nova Wallet (Test)"


@pytest.fixture
def world():
    user = UserFactory(email="olga@nova.example", name="Olga Owner")
    workspace = workspace_create(owner=user, name="Nova Super App", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=workspace, user=user)
    wallet, _ = host_app_create(actor=owner, name="Nova Wallet", platforms={"android": "n.w"})
    mp = create_miniprogram(owner, name="Nova Tea House", host_app_ids=[wallet.pk])
    online(owner, ready_version(owner, mp, "1.0.0"), wallet.pk)
    approve(owner, ready_version(owner, mp, "1.1.0"), wallet.pk)
    return {"mp": mp, "base": f"/w/{workspace.slug}/miniprograms/{mp.app_id}"}


def assert_fits(page: Page, name: str) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide in {width}px"


def confirm(page: Page, button: str, title: str, says: str, action: str) -> None:
    dialog = page.locator("dialog.confirm-dialog")
    page.get_by_role("button", name=button, exact=True).click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(title)
    expect(dialog).to_contain_text(says)
    dialog.get_by_role("button", name=action, exact=True).click()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_start_a_task_preview_two_audiences_and_suspend(page: Page, world, screenshot_dir, size):
    page.set_viewport_size(WIDTHS[size])
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = world["base"]

    def shot(name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        for folder in (SHOTS, screenshot_dir):
            page.screenshot(path=folder / f"grayscale-{size}-{name}.png", full_page=True)
        assert_fits(page, name)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@nova.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/nova-super-app/$"))

    # 1. The Releases tab: the target's Grayscale section offers a new task.
    page.goto(f"{base}/releases/")
    section = page.locator(f"[data-grayscale-target='{WHERE}']")
    expect(section).to_contain_text("No grayscale task here yet.")
    expect(section.locator("[data-whitelists-note]")).to_contain_text(
        "Outside production whitelists do not apply"
    )
    section.get_by_role("link", name=f"New grayscale task in {WHERE}").click()

    # 2. The create form: the name's counter, a typed list, 20 %, starting now.
    page.wait_for_url(re.compile(r"/grayscale/new/$"))
    expect(page.get_by_role("heading", name=f"New grayscale task in {WHERE}")).to_be_visible()
    expect(page.get_by_label("Version")).to_have_value("1.1.0")
    page.locator("#id_name").fill("Beta friends")
    expect(page.locator("[data-name-counter]")).to_have_text("12 / 20 characters")
    page.get_by_label("Maximum number of users").fill("1000")
    # A bad line refuses the whole list, by its number; what was typed is kept.
    page.locator("textarea[name=accounts]").fill("friend-00\nnot one\nfriend-01")
    confirm(page, "Start task", "Start this grayscale task?", "Version 1.1.0", "Start task")
    expect(page.locator(".form-errors")).to_contain_text("Please fix the problem below.")
    expect(page.locator(".gray-list.field-invalid .error")).to_contain_text(
        "Line 2: This account contains a space; put one value on each line."
    )
    expect(page.locator("#id_name")).to_have_value("Beta friends")
    assert not GrayscaleTask.objects.exists()
    page.locator("textarea[name=accounts]").fill("\n".join(ACCOUNTS))
    expect(page.locator("[data-lines-for=id_accounts]")).to_have_text("40 values typed")
    page.get_by_label("Percentage of the matching users").fill("20")
    expect(page.locator("[data-gray-summary]")).to_contain_text(
        f"Version 1.1.0 goes to at most 1,000 users in {WHERE} who match every condition, "
        "starting with 20 % of them"
    )
    shot("create")
    confirm(
        page,
        "Start task",
        "Start this grayscale task?",
        "It starts delivering at once.",
        "Start task",
    )

    # 3. The task page: delivering.
    page.wait_for_url(re.compile(r"/grayscale/\d+/$"))
    expect(page.locator(".flash-success")).to_contain_text(
        f"Task “Beta friends” is delivering version 1.1.0 in {WHERE}."
    )
    expect(page.locator("#task-heading [data-state]")).to_have_text("Delivering")
    expect(page.locator("[data-conditions]")).to_contain_text(
        "On one of the lists: 40 user accounts"
    )
    expect(page.locator("[data-progress]")).to_have_text("0 / 1,000")
    shot("task")
    task = GrayscaleTask.objects.get(name="Beta friends")
    inside = next(a for a in ACCOUNTS if bucket(task.pk, a) < 20)

    # 4. The audience preview: an account on the list (in the 20 %) gets 1.1.0, and why.
    page.get_by_role("link", name="Audience preview").first.click()
    page.wait_for_url(re.compile(r"/audience/"))
    page.get_by_label("User account").fill(inside)
    page.get_by_label("Platform").select_option("android")
    page.get_by_role("button", name="Preview").click()
    result = page.locator("[data-preview-result]")
    expect(result.locator("[data-version]")).to_have_text("1.1.0")
    expect(result.locator("[data-source]")).to_have_text("Grayscale")
    expect(result.locator("[data-verdict]")).to_contain_text("Every condition of this task matches")
    shot("preview")

    # ... and an account not on it gets the online version, naming the condition that failed.
    page.get_by_label("User account").fill("stranger")
    page.get_by_role("button", name="Preview").click()
    expect(result.locator("[data-version]")).to_have_text("1.0.0")
    expect(result.locator("[data-source]")).to_have_text("Online")
    expect(result.locator("[data-failed=target]")).to_have_text("No match")
    expect(result.locator("[data-verdict]")).to_contain_text(
        "Account stranger is not on this task's list of 40 accounts."
    )
    assert task.admissions.count() == 0  # the preview admits nobody

    # 5. Suspend, after the dialog says what happens.
    result.get_by_role("link", name="Beta friends").click()
    page.wait_for_url(re.compile(r"/grayscale/\d+/$"))
    confirm(
        page,
        "Suspend",
        "Suspend “Beta friends”?",
        "stops delivering version 1.1.0",
        "Suspend",
    )
    expect(page.locator(".flash-success")).to_contain_text(
        "Task “Beta friends” is suspended: it delivers to nobody until resumed."
    )
    expect(page.locator("#task-heading [data-state]")).to_have_text("Suspended")
    expect(page.get_by_role("button", name="Resume", exact=True)).to_be_visible()

    # 6. The tab lists it, suspended (amber), with its progress.
    page.goto(f"{base}/releases/#grayscale")
    row = page.locator(f"[data-grayscale-target='{WHERE}'] tr[data-task='{task.pk}']")
    expect(row.locator("[data-state]")).to_have_text("Suspended")
    expect(row.locator("[data-state]")).to_have_class(re.compile("badge-amber"))
    expect(row.locator("[data-progress]")).to_have_text("0 / 1,000")
    shot("tab")

    # 7. The matrix cell of that target shows the task (version, progress) and links to it.
    cell = page.locator("#matrix td.matrix-cell[data-env='test'] [data-grayscale]")
    expect(cell).to_contain_text("Grayscale")
    expect(cell.locator("..")).to_contain_text("Suspended · 0 / 1,000 users · 20 %")
    matrix = page.locator("#matrix")
    matrix.scroll_into_view_if_needed()
    width = WIDTHS[size]["width"]
    for folder in (SHOTS, screenshot_dir):
        matrix.screenshot(path=folder / f"grayscale-matrix-{width}.png")
    assert_fits(page, "matrix")
    cell.get_by_role(
        "link", name=f"Grayscale task “Beta friends”: version 1.1.0 in {WHERE}"
    ).click()
    page.wait_for_url(re.compile(rf"/grayscale/{task.pk}/$"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_chosen_list_file_is_kept_when_the_form_comes_back(
    page: Page, world, screenshot_dir, tmp_path, size
):
    page.set_viewport_size(WIDTHS[size])
    SHOTS.mkdir(parents=True, exist_ok=True)
    targets = tmp_path / "targets.txt"
    targets.write_text("".join(f"user-{n:05d}\n" for n in range(1234)), encoding="utf-8")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@nova.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/nova-super-app/$"))
    page.goto(f"{world['base']}/releases/")
    page.get_by_role("link", name=f"New grayscale task in {WHERE}").click()
    page.wait_for_url(re.compile(r"/grayscale/new/$"))

    # A file and a mistake elsewhere (the host app version): the form comes back, file kept.
    page.locator("#id_name").fill("Kept list")
    page.locator("#id_accounts_file").set_input_files(str(targets))
    page.locator("#id_host_app_version_min").fill("eight")
    confirm(page, "Start task", "Start this grayscale task?", "Version 1.1.0", "Start task")
    expect(page.locator(".form-errors")).to_be_visible()
    kept = page.locator("[data-list-kept=accounts]")
    expect(kept).to_have_text(
        "targets.txt — 1,234 entries kept; choose another file to replace it."
    )
    assert not GrayscaleTask.objects.exists()
    fieldset = kept.locator("xpath=ancestor::fieldset[1]")
    fieldset.scroll_into_view_if_needed()
    width = WIDTHS[size]["width"]
    for folder in (SHOTS, screenshot_dir):
        fieldset.screenshot(path=folder / f"grayscale-kept-list-{width}.png")
    assert_fits(page, "kept list")

    # Fixed, and sent again without choosing the file: the task has the 1,234 accounts.
    page.locator("#id_host_app_version_min").fill("")
    confirm(page, "Start task", "Start this grayscale task?", "Version 1.1.0", "Start task")
    page.wait_for_url(re.compile(r"/grayscale/\d+/$"))
    expect(page.locator("[data-conditions]")).to_contain_text(
        "On one of the lists: 1,234 user accounts"
    )
