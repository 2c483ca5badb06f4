from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from console import demo
from miniprograms.models import (
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
    MiniProgramTester,
    MiniProgramUserObjectPermission,
)
from miniprograms.profile import pending_fields
from miniprograms.selectors import miniprogram_list
from miniprograms.subscriptions.models import Message, MessageEndpoint, Subscription
from miniprograms.validators import validate_logo
from workspaces.models import AuditEvent, HostApp, Membership, User, Workspace


def _account_and_message_counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Workspace.objects.count(),
        Membership.objects.count(),
        MessageEndpoint.objects.count(),
        Subscription.objects.count(),
        Message.objects.count(),
    )


def _assert_the_sending_pages_have_a_story() -> None:
    """The demo host app has a message endpoint, and each demo template two weeks of messages:
    mostly delivered, a few failed with the endpoint's 503, the odd one waiting for a retry."""
    [endpoint] = MessageEndpoint.objects.select_related("host_app")
    assert (endpoint.host_app.name, endpoint.url) == (
        "Acme Super App",
        "https://push.example.com/mpp/messages",
    )
    for spec in demo.MESSAGES:
        rows = Message.objects.filter(miniprogram__name=spec.miniprogram, title=spec.title)
        states = Counter(rows.values_list("state", flat=True))
        assert states["delivered"] > 5 * states["failed"] > 0
        assert set(states) <= {"delivered", "failed", "queued"}
        days = {m.created_at.date() for m in rows}
        assert len(days) == demo.MESSAGE_DAYS
        failed = rows.filter(state="failed").first()
        assert failed.last_error == "HTTP 503 Service Unavailable" and failed.attempts == 8
        assert rows.filter(my_template__isnull=False).count() == rows.count()
    assert Message.objects.filter(state="queued").exists()
    assert Subscription.objects.filter(status="accepted").count() == sum(
        len(spec.subscribers) for spec in demo.MESSAGES
    )


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_role_and_kind():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = _account_and_message_counts()
    call_command("seed_demo", stdout=StringIO())
    assert _account_and_message_counts() == counts
    _assert_the_sending_pages_have_a_story()

    assert Workspace.objects.filter(kind="tenant").count() == 2
    assert Workspace.objects.filter(kind="developer", tenant__isnull=False).count() == 2
    assert set(Membership.objects.values_list("role", flat=True)) == {
        "owner",
        "admin",
        "reviewer",
        "developer",
    }
    for spec in demo.USERS:
        assert User.objects.get(email=spec.email).check_password(demo.DEMO_PASSWORD)
        assert spec.email in out.getvalue()
    assert AuditEvent.objects.filter(verb="workspace.create").count() == 4


@pytest.mark.django_db
def test_seed_demo_refuses_production_settings(settings):
    settings.MPP_ENVIRONMENT = "production"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def _miniprogram_counts() -> tuple[int, ...]:
    return (
        HostApp.objects.count(),
        MiniProgram.objects.count(),
        MiniProgramLanguage.objects.count(),
        MiniProgramHostApp.objects.count(),
        MiniProgramTester.objects.count(),
        MiniProgramUserObjectPermission.objects.count(),
        AuditEvent.objects.count(),
        len(_stored_files()),
    )


def _stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _seed_twice(capture) -> None:
    """Seed as ``make run`` twice would: the scans run after each upload commits, so the
    second run finds the versions ready and replays the releases."""
    for _ in range(2):
        with capture(execute=True):
            call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db
def test_seed_demo_mini_programs_are_idempotent_and_show_every_state(
    django_capture_on_commit_callbacks,
):
    _seed_twice(django_capture_on_commit_callbacks)
    counts = _miniprogram_counts()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    assert _miniprogram_counts() == counts

    acme, bluebottle = Workspace.objects.get(slug="acme"), Workspace.objects.get(slug="bluebottle")
    assert list(HostApp.objects.filter(workspace=acme).values_list("name", flat=True)) == [
        "Acme Super App",
        "Acme Wallet",
    ]
    programs = {mp.name: mp for mp in MiniProgram.objects.select_related("workspace")}
    assert set(programs) == {spec.name for spec in demo.MINIPROGRAMS}
    assert {mp.kind for mp in programs.values() if mp.workspace == acme} == {"tenant"}
    assert {mp.kind for mp in programs.values() if mp.workspace == bluebottle} == {"merchant"}

    # The merchant's program is released into the tenant's host apps.
    merchant = programs["Blue Bottle Order Ahead"]
    assert sorted(merchant.targets.values_list("host_app__name", "status")) == [
        ("Acme Super App", "active"),
        ("Acme Wallet", "active"),
    ]
    # A Chinese name, Chinese by default, with English as an extra language.
    chinese = programs["极速外卖"]
    assert chinese.default_language == "zh-Hans"
    assert list(chinese.languages.values_list("language", "name")) == [("en", "Express Eats")]
    assert pending_fields(chinese) == []
    # Released, then edited: the staged fields are pending until the next release.
    mall = programs["Acme Mall"]
    assert pending_fields(mall) == ["tagline", "description"]
    assert mall.released_profile["tagline"] == "Everyday deals, delivered fast"
    assert mall.tagline == "Daily deals, same-day delivery"
    # Off shelf with a reason, never released.
    parking = programs["Acme Parking"]
    assert (parking.shelf_status, parking.released_profile) == ("off_shelf", None)
    assert parking.shelf_reason == "The car park operator's contract is being renewed."

    # Each demo Developer works on one program and sees only that one.
    for email, name in [
        ("developer@example.com", "Acme Mall"),
        ("merchant-dev@example.com", "Blue Bottle Order Ahead"),
    ]:
        member = Membership.objects.select_related("workspace", "user").get(user__email=email)
        assert [mp.name for mp in miniprogram_list(member=member)] == [name]
    assert MiniProgramTester.objects.filter(miniprogram=mall).count() == 3

    # Every logo is a valid, distinct square PNG that the profile rules accept.
    logos = [mp.logo for mp in programs.values()]
    stored_logos = [f for f in _stored_files() if f.startswith("miniprogram-logos/")]
    assert len({logo.name for logo in logos}) == len(logos) == len(stored_logos)
    for logo in logos:
        with logo.open("rb") as fh:
            upload = SimpleUploadedFile("logo.png", fh.read())
        assert validate_logo(upload).width == 256
    assert len({spec.logo[0] for spec in demo.MINIPROGRAMS}) == len(demo.MINIPROGRAMS)


@pytest.mark.django_db
def test_seed_demo_uploads_versions_once_and_sets_the_trial(django_capture_on_commit_callbacks):
    from releases.models import TrialVersion, Version

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    first = list(Version.objects.order_by("pk").values_list("number", "status"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    assert list(Version.objects.order_by("pk").values_list("number", "status")) == first

    mall = {v.number: v for v in Version.objects.filter(miniprogram__name="Acme Mall")}
    assert {n: v.status for n, v in mall.items()} == {
        "1.0.0": "ready",
        "1.1.0": "ready",
        "1.2.0": "scan_failed",
    }
    assert mall["1.2.0"].failure_message == (
        "“pages/coupons/index.js” is listed in app.json but missing from the package."
    )
    assert mall["1.1.0"].scan_summary["subpackages"][0]["root"] == "orders/"
    assert mall["1.1.0"].uploaded_by.email == "developer@example.com"
    trial = TrialVersion.objects.get(miniprogram__name="Acme Mall")
    assert (trial.version.number, trial.launch_path) == (
        "1.1.0",
        "orders/pages/list/index?from=demo",
    )
    merchant = Version.objects.filter(miniprogram__name="Blue Bottle Order Ahead")
    assert sorted(merchant.values_list("number", "status")) == [
        ("0.9.0", "ready"),
        ("1.0.0", "ready"),
    ]


@pytest.mark.django_db
def test_seed_demo_replays_the_review_loop(django_capture_on_commit_callbacks):
    from releases.models import Release
    from workspaces.models import ApprovalRequest

    _seed_twice(django_capture_on_commit_callbacks)

    def rows(name: str) -> list[tuple[str, str, str, str]]:
        return sorted(
            Release.objects.filter(version__miniprogram__name=name).values_list(
                "version__number", "target__host_app__name", "target__environment", "state"
            )
        )

    assert rows("Acme Mall") == [
        ("1.0.0", "Acme Super App", "production", "released"),
        ("1.0.0", "Acme Super App", "test", "released"),
        ("1.0.0", "Acme Wallet", "production", "released"),
        ("1.1.0", "Acme Super App", "production", "under_review"),
        ("1.1.0", "Acme Super App", "sandbox", "released"),
        ("1.1.0", "Acme Super App", "test", "approved"),  # its grayscale task, suspended
        ("1.1.0", "Acme Wallet", "production", "approved"),  # delivered by a grayscale task
    ]
    assert rows("Blue Bottle Order Ahead") == [
        ("0.9.0", "Acme Super App", "production", "released"),
        ("0.9.0", "Acme Wallet", "production", "rejected"),
        ("1.0.0", "Acme Super App", "production", "under_review"),
        ("1.0.0", "Acme Wallet", "production", "under_review"),
    ]
    # Acme's reviewer finds three release reviews waiting, two of them from the merchant (and
    # requests of other kinds: a JSAPI application, …).
    waiting = ApprovalRequest.objects.filter(
        state="processing", deciding_workspace__slug="acme", kind="release_review"
    )
    assert waiting.count() == 3
    assert waiting.filter(requesting_workspace__slug="bluebottle").count() == 2
    assert set(HostApp.objects.values_list("preview_scheme", flat=True)) == {
        "acmesuperapp",
        "acmewallet",
    }
    rejected = ApprovalRequest.objects.get(state="rejected")
    assert rejected.decided_by.email == "admin@example.com"
    assert "privacy policy" in rejected.reason
    # Released for real: "last released" comes from the production releases.
    mall = MiniProgram.objects.get(name="Acme Mall")
    assert mall.released_at == (
        Release.objects.filter(version__miniprogram=mall, target__environment="production")
        .exclude(published_at=None)
        .latest("published_at")
        .published_at
    )
    assert MiniProgram.objects.get(name="Acme Parking").released_at is None


@pytest.mark.django_db
def test_seed_demo_holds_grayscale_tasks_and_a_firing_alert(django_capture_on_commit_callbacks):
    from releases.grayscale.models import GrayscaleTask

    _seed_twice(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())

    tasks = GrayscaleTask.objects.select_related("version", "target__host_app", "guardrail")
    task = tasks.get(target__host_app__name="Acme Wallet")
    assert (task.state, task.version.number) == ("delivering", "1.1.0")
    assert task.target.environment == "production"
    # The other one, on Acme Super App's test devices, was suspended by its guardrails, once.
    tripped = tasks.get(target__host_app__name="Acme Super App")
    assert (tripped.state, tripped.target.environment) == ("suspended", "test")
    assert "JSAPI failure rate: 9.00 % in the cohort (36 of 400)" in tripped.guardrail.tripped_note
    assert tasks.count() == 2
    # And one firing alert, which a re-run neither duplicates nor resolves.
    from analytics.alerts.models import Alert

    (alert,) = Alert.objects.select_related("miniprogram", "host_app")
    assert (alert.miniprogram.name, alert.host_app.name) == ("Acme Mall", "Acme Super App")
    assert (alert.metric, alert.state) == ("blank_screen_rate", "firing")
    assert alert.value > Decimal(1) and alert.samples > 50  # 6 blank screens in 200+ launches
    # The version it delivers is approved there, not online: 1.0.0 stays online for the rest.
    states = dict(
        task.target.releases.values_list("version__number", "state").order_by("created_at")
    )
    assert states == {"1.0.0": "released", "1.1.0": "approved"}


@pytest.mark.django_db
def test_demo_host_apps_answer_to_the_published_sdk_credentials():
    from workspaces.services.hostapps import host_app_authenticate

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # a re-run keeps them
    for spec in demo.HOST_APPS:
        app = host_app_authenticate(app_key=spec.sdk_key, secret=spec.sdk_secret)
        assert app is not None and app.name == spec.name
        assert host_app_authenticate(app_key=spec.sdk_key, secret="wrong") is None


@pytest.mark.django_db
def test_seed_demo_sdk_env_prints_the_readme_exports_only():
    out = StringIO()
    call_command("seed_demo", "--sdk-env", stdout=out)

    wallet = next(h for h in demo.HOST_APPS if h.name == "Acme Wallet")
    mall = MiniProgram.objects.get(name="Acme Mall")
    assert out.getvalue() == (
        f"export APP_KEY={wallet.sdk_key} APP_SECRET={wallet.sdk_secret} APP_ID={mall.app_id}\n"
    )


@pytest.mark.django_db
def test_seed_demo_adds_the_demo_analytics_unless_switched_off(settings):
    from analytics.models import DailyRollup

    call_command("seed_demo", stdout=StringIO())  # the test settings: switched off
    assert not DailyRollup.objects.exists()
    settings.DEMO_ANALYTICS = True
    call_command("seed_demo", stdout=StringIO())
    acme_mall = MiniProgram.objects.get(name="Acme Mall")
    days = DailyRollup.objects.filter(app_id=acme_mall.app_id).values("day").distinct().count()
    assert days >= 28  # 30 days ending yesterday, through the ingestion path and the rollup
