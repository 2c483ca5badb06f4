"""``manage.py seed_demo``: load the demo data set; safe to run any number of times."""

from __future__ import annotations

import io
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from analytics.alerts.demo import alert_demo
from analytics.guardrails.demo import guardrail_demo
from console import demo
from miniprograms.domains.models import DomainConfig, DomainEditGrant
from miniprograms.domains.services import domain_config_save, domain_edit_grant_add
from miniprograms.envvars.models import EnvironmentVariable
from miniprograms.envvars.services import envvars_replace
from miniprograms.jsapis.models import Jsapi, JsapiApplication
from miniprograms.jsapis.services import jsapi_apply, jsapi_catalogue_ensure
from miniprograms.models import MiniProgram
from miniprograms.profile import LanguageText, ProfileInput
from miniprograms.secrets.oauth import open_user_id
from miniprograms.services.lifecycle import miniprogram_set_shelf
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.services.profile import miniprogram_create, miniprogram_profile_patch
from miniprograms.subscriptions.models import (
    Message,
    MessageEndpoint,
    MyTemplate,
    PublicTemplate,
    Subscription,
)
from miniprograms.subscriptions.selectors import library_workspace_ids
from miniprograms.subscriptions.services import my_template_create, template_libraries_ensure
from releases.grayscale.services import TaskInput, grayscale_task_create
from releases.models import Release, ReleaseTarget, TrialVersion, Version, VersionFloor
from releases.package.versioning import parse_version
from releases.release.services import release_publish, release_submit
from releases.runtime.revision import runtime_revision_bump
from releases.services.trial import trial_configure
from releases.services.versions import version_upload
from workspaces import keys
from workspaces.authz import role_label
from workspaces.models import HostApp, Membership, User, Workspace
from workspaces.services.approvals import approval_approve, approval_reject
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import membership_add, workspace_create

LOGO_SIDE = 256


def demo_logo(color: tuple[int, int, int], letter: str) -> SimpleUploadedFile:
    """A square PNG: ``letter`` in white on ``color`` (what a designer would send, roughly)."""
    image = Image.new("RGB", (LOGO_SIDE, LOGO_SIDE), color)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=150)
    draw.text((LOGO_SIDE / 2, LOGO_SIDE / 2), letter, fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{letter.lower()}.png", buffer.getvalue(), "image/png")


class Command(BaseCommand):
    help = (
        "Load demo workspaces, one user per role, host apps and mini programs (idempotent). "
        "Refused in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sdk-env",
            action="store_true",
            help="After seeding, print only shell exports for the README's runtime API examples "
            "(APP_KEY, APP_SECRET of Acme Wallet and APP_ID of Acme Mall).",
        )

    def handle(self, *args, **options):
        if settings.MPP_ENVIRONMENT == "production":
            raise CommandError("seed_demo creates accounts with a published password: not here.")
        if options["sdk_env"]:
            self._seed()
            self._seed_versions()
            self._seed_releases()
            self._seed_grayscale()
            self.stdout.write(self.sdk_env())
            return
        created = self._seed()
        # Outside the seed's transaction: each upload commits, so its scan runs (in-process
        # without REDIS_URL) before the trial version is chosen among the ready ones.
        created += self._seed_versions()
        created += self._seed_releases()
        created += self._seed_grayscale()
        created += self._seed_jsapis()
        created += self._seed_domains()
        created += self._seed_envvars()
        created += self._seed_message_templates()
        created += self._seed_messages()
        # 30 days of analytics through the ingestion path, rolled up (idempotent: fixed event ids).
        # The test settings leave it out (DEMO_ANALYTICS): the demo is seeded by many tests that
        # do not look at analytics, and analytics_demo has its own.
        if settings.DEMO_ANALYTICS:
            call_command(
                "analytics_demo", workspace=[w.slug for w in demo.WORKSPACES], stdout=self.stdout
            )
        # A grayscale task whose cohort does worse: its guardrails suspend it (idempotent).
        created += guardrail_demo()
        # Acme Mall shows blank screens on Acme Super App: its blank-screen alert fires.
        created += alert_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new objects)."))
        self.stdout.write(self.logins_table())

    @transaction.atomic
    def _seed(self) -> int:
        created = 0
        users: dict[str, User] = {}
        for spec in demo.USERS:
            user = User.objects.filter(email=spec.email).first()
            if user is None:
                user = User.objects.create_user(
                    email=spec.email, password=demo.DEMO_PASSWORD, name=spec.name
                )
                created += 1
            users[spec.email] = user
        workspaces: dict[str, Workspace] = {}
        for spec in demo.WORKSPACES:
            workspace = Workspace.objects.filter(slug=spec.slug).first()
            if workspace is None:
                workspace = workspace_create(
                    owner=users[spec.owner],
                    name=spec.name,
                    kind=spec.kind,
                    slug=spec.slug,
                    tenant=workspaces[spec.tenant] if spec.tenant else None,
                )
                created += 1
            workspaces[spec.slug] = workspace
        for spec in demo.USERS:
            for slug, role in spec.memberships:
                if not Membership.objects.filter(
                    user=users[spec.email], workspace=workspaces[slug]
                ).exists():
                    membership_add(workspace=workspaces[slug], user=users[spec.email], role=role)
                    created += 1
        owners = {
            m.workspace.slug: m
            for m in Membership.objects.select_related("workspace", "user").filter(
                workspace__in=workspaces.values(), role=Membership.Role.OWNER
            )
        }
        for spec in demo.HOST_APPS:
            owner = owners[spec.workspace]
            if not HostApp.objects.filter(workspace=owner.workspace, name=spec.name).exists():
                host_app_create(
                    actor=owner,
                    name=spec.name,
                    description=spec.description,
                    platforms=dict(spec.platforms),
                    preview_scheme=spec.preview_scheme,
                )
                created += 1
            if spec.sdk_key:
                # Demo-only published credentials (README curl examples); never in production.
                changed = (
                    HostApp.objects.filter(workspace=owner.workspace, name=spec.name)
                    .exclude(app_key=spec.sdk_key)
                    .update(app_key=spec.sdk_key, secret_hash=keys.keyed_hash(spec.sdk_secret))
                )
                if changed:
                    runtime_revision_bump()  # running SDK answers see the new key at once
        for mp_spec in demo.MINIPROGRAMS:
            owner = owners[mp_spec.workspace]
            if not MiniProgram.objects.filter(
                workspace=owner.workspace, name__iexact=mp_spec.name
            ).exists():
                self._seed_miniprogram(mp_spec, owner=owner, users=users)
                created += 1
        return created

    @staticmethod
    def _seed_versions() -> int:
        """Upload the demo versions through the service (the scan runs as tasks do here) and
        set the trial versions. A version at or below the mini program's highest is skipped."""
        created = 0
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for spec in demo.VERSIONS:
            mp = MiniProgram.objects.get(workspace__in=workspaces, name__iexact=spec.miniprogram)
            floor = VersionFloor.objects.filter(miniprogram=mp, has_any=True).first()
            if floor is not None and parse_version(spec.number) <= (
                floor.major,
                floor.minor,
                floor.patch,
            ):
                continue
            uploader = Membership.objects.select_related("workspace", "user").get(
                workspace=mp.workspace, user__email=spec.uploaded_by
            )
            version_upload(
                actor=uploader,
                miniprogram=mp,
                number=spec.number,
                notes=spec.notes,
                package=ContentFile(demo.demo_package(spec), name="package.zip"),
            )
            created += 1
        for name, number, page, query in demo.TRIALS:
            mp = MiniProgram.objects.get(workspace__in=workspaces, name__iexact=name)
            version = Version.objects.filter(miniprogram=mp, number=number).first()
            if version is None or version.status != Version.Status.READY:
                continue  # tasks run on a worker (REDIS_URL): the trial waits for a re-run
            if TrialVersion.objects.filter(miniprogram=mp).exists():
                continue
            owner = Membership.objects.select_related("workspace", "user").get(
                workspace=mp.workspace, role=Membership.Role.OWNER
            )
            trial_configure(
                actor=owner, miniprogram=mp, version=version, page_path=page, query=query
            )
            created += 1
        return created

    @staticmethod
    def _member(workspace_id: int, email: str) -> Membership:
        return Membership.objects.select_related("workspace", "user").get(
            workspace_id=workspace_id, user__email=email
        )

    @classmethod
    @transaction.atomic
    def _seed_releases(cls) -> int:
        """Replay :data:`demo.RELEASES` through the release services, then stage the profile
        edits of the mini programs released this run. A release already there is skipped, and
        so is one whose version is not ready yet (tasks on a worker: a re-run finishes it)."""
        created = 0
        released: set[int] = set()
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for spec in demo.RELEASES:
            mp = MiniProgram.objects.select_related("workspace").get(
                workspace__in=workspaces, name__iexact=spec.miniprogram
            )
            version = Version.objects.filter(miniprogram=mp, number=spec.version).first()
            if version is None or version.status != Version.Status.READY:
                continue
            host_owner_id = mp.workspace.pk if mp.workspace.is_tenant else mp.workspace.tenant_id
            host_apps = HostApp.objects.filter(workspace_id=host_owner_id, name__in=spec.host_apps)
            if Release.objects.filter(
                version=version,
                target__environment=spec.environment,
                target__host_app__in=host_apps,
            ).exists():
                continue
            releases = release_submit(
                actor=cls._member(mp.workspace_id, spec.submitted_by),
                version=version,
                host_app_ids=[h.pk for h in host_apps],
                environment=spec.environment,
                notes=spec.notes,
            )
            created += len(releases)
            for release in releases:
                if spec.decision and release.approval_id is not None:
                    decider = cls._member(host_owner_id, spec.decided_by)
                    if spec.decision == "approve":
                        approval_approve(actor=decider, request_id=release.approval_id)
                    else:
                        approval_reject(
                            actor=decider, request_id=release.approval_id, reason=spec.reason
                        )
                if spec.published_by:
                    release_publish(
                        actor=cls._member(mp.workspace_id, spec.published_by),
                        release_id=release.pk,
                    )
                    released.add(mp.pk)
        for mp_spec in demo.MINIPROGRAMS:
            if not mp_spec.staged:
                continue
            mp = MiniProgram.objects.get(workspace__in=workspaces, name__iexact=mp_spec.name)
            if mp.pk not in released:
                continue
            owner = Membership.objects.select_related("workspace", "user").get(
                workspace=mp.workspace, role=Membership.Role.OWNER
            )
            miniprogram_profile_patch(actor=owner, miniprogram=mp, changes=dict(mp_spec.staged))
        return created

    @classmethod
    @transaction.atomic
    def _seed_grayscale(cls) -> int:
        """Start :data:`demo.GRAYSCALE` (delivering from now) on targets whose version is
        approved there; a target that already has a task is skipped."""
        created = 0
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for spec in demo.GRAYSCALE:
            mp = MiniProgram.objects.select_related("workspace").get(
                workspace__in=workspaces, name__iexact=spec.miniprogram
            )
            target = ReleaseTarget.objects.filter(
                miniprogram=mp, host_app__name=spec.host_app, environment=spec.environment
            ).first()
            version = Version.objects.filter(miniprogram=mp, number=spec.version).first()
            if target is None or version is None or target.grayscale_tasks.exists():
                continue
            if not Release.objects.filter(
                target=target, version=version, state=Release.State.APPROVED
            ).exists():
                continue
            owner = Membership.objects.select_related("workspace", "user").get(
                workspace=mp.workspace, role=Membership.Role.OWNER
            )
            now = timezone.now()
            grayscale_task_create(
                actor=owner,
                target=target,
                version=version,
                data=TaskInput(
                    name=spec.name,
                    starts_at=now,
                    ends_at=now + timedelta(days=spec.days),
                    max_users=spec.max_users,
                    accounts=list(spec.accounts),
                    percentage=spec.percentage or None,
                ),
            )
            created += 1
        return created

    @classmethod
    @transaction.atomic
    def _seed_jsapis(cls) -> int:
        """The tenants' JSAPI catalogues, and :data:`demo.JSAPI_APPLICATIONS` through the
        services (one approved, one waiting in the approvals hub); an application already made
        for the same JSAPI is skipped."""
        created = 0
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for workspace in workspaces:
            created += jsapi_catalogue_ensure(workspace=workspace)
        for spec in demo.JSAPI_APPLICATIONS:
            mp = MiniProgram.objects.select_related("workspace").get(
                workspace__in=workspaces, name__iexact=spec.miniprogram
            )
            host_owner_id = mp.workspace.pk if mp.workspace.is_tenant else mp.workspace.tenant_id
            host_app = HostApp.objects.get(workspace_id=host_owner_id, name=spec.host_app)
            jsapi = Jsapi.objects.get(workspace_id=host_owner_id, name=spec.jsapi)
            if JsapiApplication.objects.filter(
                miniprogram=mp, host_app=host_app, jsapi=jsapi
            ).exists():
                continue
            application = jsapi_apply(
                actor=cls._member(mp.workspace_id, spec.applied_by),
                miniprogram=mp,
                host_app_id=host_app.pk,
                jsapi_id=jsapi.pk,
                reason=spec.reason,
            )
            created += 1
            if spec.decision == "approve" and application.approval_id is not None:
                approval_approve(
                    actor=cls._member(host_owner_id, spec.decided_by),
                    request_id=application.approval_id,
                )
        return created

    @classmethod
    @transaction.atomic
    def _seed_domains(cls) -> int:
        """:data:`demo.DOMAIN_EDIT_GRANTS` and :data:`demo.DOMAINS` through the services (a
        grant already given, or lists already saved, change nothing)."""
        created = 0
        workspaces = {
            w.slug: w for w in Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        }
        for tenant, developer, email in demo.DOMAIN_EDIT_GRANTS:
            actor = cls._member(workspaces[tenant].pk, email)
            if not DomainEditGrant.objects.filter(
                tenant=actor.workspace, developer_workspace=workspaces[developer]
            ).exists():
                domain_edit_grant_add(actor=actor, developer_workspace_slug=developer)
                created += 1
        for spec in demo.DOMAINS:
            mp = MiniProgram.objects.select_related("workspace").get(
                workspace__in=workspaces.values(), name__iexact=spec.miniprogram
            )
            lists = {key: "\n".join(entries) for key, entries in spec.lists}
            if DomainConfig.objects.filter(miniprogram=mp, version=spec.version).exists():
                continue
            if spec.version and not mp.versions.filter(number=spec.version).exists():
                continue  # its upload has not happened yet (a re-run adds it)
            domain_config_save(
                actor=cls._member(mp.workspace_id, spec.edited_by),
                miniprogram=mp,
                version=spec.version,
                lists=lists,
            )
            created += 1
        return created

    @classmethod
    @transaction.atomic
    def _seed_envvars(cls) -> int:
        """:data:`demo.ENVIRONMENT_VARIABLES` through the service (an environment that has
        variables already is left as it is)."""
        created = 0
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for spec in demo.ENVIRONMENT_VARIABLES:
            mp = MiniProgram.objects.get(workspace__in=workspaces, name__iexact=spec.miniprogram)
            if EnvironmentVariable.objects.filter(
                miniprogram=mp, environment=spec.environment
            ).exists():
                continue
            envvars_replace(
                actor=cls._member(mp.workspace_id, spec.edited_by),
                miniprogram=mp,
                environment=spec.environment,
                variables=spec.variables,
            )
            created += 1
        return created

    @classmethod
    @transaction.atomic
    def _seed_message_templates(cls) -> int:
        """:data:`demo.MESSAGE_TEMPLATES` through the service (a mini program that has the
        template already is left as it is); the libraries are written as on first use."""
        created = 0
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for spec in demo.MESSAGE_TEMPLATES:
            mp = MiniProgram.objects.select_related("workspace").get(
                workspace__in=workspaces, name__iexact=spec.miniprogram
            )
            libraries = library_workspace_ids(miniprogram=mp)
            template_libraries_ensure(workspace_ids=libraries)
            template = PublicTemplate.objects.get(workspace_id__in=libraries, title=spec.title)
            if MyTemplate.objects.filter(miniprogram=mp, public_template=template).exists():
                continue
            my_template_create(
                actor=cls._member(mp.workspace_id, spec.added_by),
                miniprogram=mp,
                public_template=template,
                keywords=spec.keywords,
                library_workspace_ids=libraries,
            )
            created += 1
        return created

    @classmethod
    @transaction.atomic
    def _seed_messages(cls) -> int:
        """:data:`demo.MESSAGE_ENDPOINTS` and :data:`demo.MESSAGES`, as rows (nothing is sent):
        each endpoint once, and a template's subscriptions and two weeks of messages only when
        it has no demo messages yet (``idempotency_key`` "demo-…")."""
        created = 0
        acme = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES], kind="tenant")
        for name, url in demo.MESSAGE_ENDPOINTS:
            host_app = HostApp.objects.get(workspace__in=acme, name=name)
            _endpoint, made = MessageEndpoint.objects.get_or_create(
                host_app=host_app,
                defaults={
                    "url": url,
                    "secret_salt": secrets.token_hex(32),
                    "secret_rotated_at": timezone.now(),
                },
            )
            created += made
        workspaces = Workspace.objects.filter(slug__in=[w.slug for w in demo.WORKSPACES])
        for spec in demo.MESSAGES:
            mp = MiniProgram.objects.get(workspace__in=workspaces, name__iexact=spec.miniprogram)
            mine = MyTemplate.objects.select_related("public_template").get(
                miniprogram=mp, public_template__title=spec.title
            )
            if Message.objects.filter(miniprogram=mp, idempotency_key__startswith="demo-").exists():
                continue
            host_app = HostApp.objects.get(workspace__in=acme, name=spec.host_app)
            rows = cls._demo_subscriptions(spec, mp, mine, host_app)
            Subscription.objects.bulk_create(rows)
            messages = cls._demo_messages(spec, mp, mine, host_app)
            Message.objects.bulk_create(messages)
            created += len(rows) + len(messages)
        return created

    @staticmethod
    def _demo_subscriptions(
        spec: demo.DemoMessages, mp: MiniProgram, mine: MyTemplate, host_app: HostApp
    ) -> list[Subscription]:
        now = timezone.now()
        existing = set(
            Subscription.objects.filter(my_template=mine).values_list("open_user_id", flat=True)
        )
        rows = []
        for user_id in spec.subscribers:
            open_id = open_user_id(app_id=mp.app_id, host_app_id=host_app.pk, user_id=user_id)
            if open_id in existing:
                continue
            long_term = mine.public_template.is_long_term
            rows.append(
                Subscription(
                    my_template=mine,
                    miniprogram=mp,
                    host_app=host_app,
                    user_id=user_id,
                    open_user_id=open_id,
                    kind=mine.public_template.kind,
                    status=Subscription.Status.ACCEPTED,
                    credits=0 if long_term else 1,
                    decided_at=now - timedelta(days=demo.MESSAGE_DAYS + 1),
                )
            )
        return rows

    @staticmethod
    def _demo_messages(
        spec: demo.DemoMessages, mp: MiniProgram, mine: MyTemplate, host_app: HostApp
    ) -> list[Message]:
        """Mostly delivered; about 1 in 12 failed with a 503 after every attempt; one of today's
        waiting for its retry. Seeded, so every run draws the same."""
        rng = random.Random(f"{spec.miniprogram}/{spec.title}")  # noqa: S311 - demo data
        now = timezone.now()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        users = spec.subscribers
        rows: list[Message] = []
        number = 1000
        for back in range(demo.MESSAGE_DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            for i in range(rng.randint(*spec.per_day)):
                number += 1
                at = day + timedelta(minutes=rng.randint(8 * 60, 22 * 60))
                if at > now:  # later today: squeezed into today so far (drawing nothing more)
                    at = day + (now - day) * ((at - day) / timedelta(days=1))
                user_id = users[rng.randrange(len(users))]
                values = [v.format(n=number) for v in spec.values]
                ms = rng.randint(80, 900)
                row = Message(
                    miniprogram=mp,
                    my_template=mine,
                    host_app=host_app,
                    template_id=mine.template_id,
                    title=mine.public_template.title,
                    kind=mine.public_template.kind,
                    open_user_id=open_user_id(
                        app_id=mp.app_id, host_app_id=host_app.pk, user_id=user_id
                    ),
                    user_id=user_id,
                    data=[[k, v] for k, v in zip(mine.keywords, values, strict=False)],
                    page=spec.page.format(n=number),
                    idempotency_key=f"demo-{mine.template_id[:16]}-{number}",
                    state=Message.State.DELIVERED,
                    attempts=1,
                    next_attempt_at=at,
                    last_status_code=200,
                    last_duration_ms=ms,
                    last_attempt_at=at + timedelta(milliseconds=ms),
                    delivered_at=at + timedelta(milliseconds=ms),
                    created_at=at,
                )
                roll = rng.random()
                if back == 0 and i == 0:
                    # 503 twice; waiting for its third attempt
                    row.state, row.attempts, row.delivered_at = Message.State.QUEUED, 2, None
                    row.last_status_code, row.last_error = 503, "HTTP 503 Service Unavailable"
                    row.next_attempt_at = now + timedelta(minutes=10)
                elif roll < 0.08:
                    row.state, row.attempts, row.delivered_at = Message.State.FAILED, 8, None
                    row.last_status_code, row.last_error = 503, "HTTP 503 Service Unavailable"
                    row.last_attempt_at = at + timedelta(minutes=25)
                rows.append(row)
        return rows

    @staticmethod
    def _seed_miniprogram(
        spec: demo.DemoMiniProgram, *, owner: Membership, users: dict[str, User]
    ) -> MiniProgram:
        """Create one demo mini program through the services, then replay its history."""
        workspace = owner.workspace
        host_owner_id = workspace.pk if workspace.is_tenant else workspace.tenant_id
        host_app_ids = [
            HostApp.objects.get(workspace_id=host_owner_id, name=name).pk for name in spec.host_apps
        ]
        profile = ProfileInput(
            name=spec.name,
            tagline=spec.tagline,
            description=spec.description,
            industry=spec.industry,
            service_phone=spec.service_phone,
            service_email=spec.service_email,
            languages=tuple(
                LanguageText(
                    language=t.language, name=t.name, tagline=t.tagline, description=t.description
                )
                for t in spec.languages
            ),
        )
        mp = miniprogram_create(
            actor=owner,
            profile=profile,
            logo=demo_logo(*spec.logo),
            default_language=spec.default_language,
            host_app_ids=host_app_ids,
        )
        for email in spec.developers:
            miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=users[email].pk)
        if spec.testers:
            miniprogram_testers_add(
                actor=owner, miniprogram=mp, accounts=spec.testers, note="Demo testers"
            )
        if spec.off_shelf_reason:
            mp = miniprogram_set_shelf(
                actor=owner, miniprogram=mp, on_shelf=False, reason=spec.off_shelf_reason
            )
        return mp

    @staticmethod
    def sdk_env() -> str:
        """Shell exports: the demo SDK credentials of the host app that runs the grayscale task
        and the App ID of the mini program it delivers."""
        spec = demo.GRAYSCALE[0]
        host = next(h for h in demo.HOST_APPS if h.name == spec.host_app)
        app_id = MiniProgram.objects.get(
            workspace__slug__in=[w.slug for w in demo.WORKSPACES], name__iexact=spec.miniprogram
        ).app_id
        return f"export APP_KEY={host.sdk_key} APP_SECRET={host.sdk_secret} APP_ID={app_id}\n"

    @staticmethod
    def logins_table() -> str:
        kinds = {w.slug: (w.name, w.kind) for w in demo.WORKSPACES}
        lines = [f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})"]
        for spec in demo.USERS:
            roles = [
                f"Owner of {kinds[w.slug][0]}" for w in demo.WORKSPACES if w.owner == spec.email
            ]
            roles += [
                f"{role_label(role, kinds[slug][1])} in {kinds[slug][0]}"
                for slug, role in spec.memberships
            ]
            lines.append(f"  {spec.email:<28} {'; '.join(roles)}")
        return "\n".join(lines) + "\n"
