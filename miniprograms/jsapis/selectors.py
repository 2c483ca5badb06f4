"""Reads of the JSAPI catalogue, features and applications; every query scoped to a workspace
(the tenant's catalogue) or a mini program.

:func:`allowed_names` is the one rule for "what may a mini program call in a host app", used by
the Development tab (:func:`jsapi_permissions`) and the runtime answer (``jsapis.runtime``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from miniprograms.jsapis.catalogue import DEFAULT_ALLOWED, FEATURES, JSAPIS
from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.models import MiniProgram, MiniProgramHostApp
from workspaces.models import AuditEvent, HostApp, Workspace

FEATURE_TARGET = "miniprograms.jsapifeature"
State = JsapiApplication.State


def allowed_names(
    *,
    jsapis: Iterable[tuple[int, str, bool]],
    direct_feature_jsapi_ids: Iterable[int],
    approved_jsapi_ids: Iterable[int] = (),
) -> list[str]:
    """Sorted names a mini program may call: ``jsapis`` are the catalogue's (id, name,
    is_sensitive); a non-sensitive one always; a sensitive one through a direct feature or an
    approved application (of the JSAPI, or of an activation feature that bundles it)."""
    opened = set(direct_feature_jsapi_ids) | set(approved_jsapi_ids)
    return sorted(name for pk, name, sensitive in jsapis if not sensitive or pk in opened)


# --- the catalogue ---------------------------------------------------------------------------


def jsapi_list(
    *,
    workspace: Workspace,
    search: str = "",
    category: str = "",
    sensitive: bool | None = None,
    platform: str = "",
) -> QuerySet[Jsapi]:
    """The tenant's catalogue, by name, filtered; each row carries ``feature_count``."""
    rows = Jsapi.objects.filter(workspace=workspace)
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if category:
        rows = rows.filter(category=category)
    if sensitive is not None:
        rows = rows.filter(is_sensitive=sensitive)
    if platform == "android":
        rows = rows.filter(on_android=True)
    elif platform == "ios":
        rows = rows.filter(on_ios=True)
    return rows.annotate(feature_count=Count("features")).order_by("name", "id")


def jsapi_categories(*, workspace: Workspace) -> list[str]:
    return list(
        Jsapi.objects.filter(workspace=workspace)
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


def jsapi_get(*, workspace: Workspace, jsapi_id: int) -> Jsapi | None:
    """One JSAPI of the tenant's catalogue, with its features; ``None`` if not the tenant's."""
    return (
        Jsapi.objects.filter(workspace=workspace, pk=jsapi_id)
        .prefetch_related(Prefetch("features", queryset=JsapiFeature.objects.order_by("name")))
        .first()
    )


def jsapi_choices(*, workspace: Workspace) -> list[Jsapi]:
    """Every JSAPI of the catalogue, by name (a feature's picker)."""
    return list(Jsapi.objects.filter(workspace=workspace).order_by("name"))


def jsapi_granted_count(*, jsapi: Jsapi) -> int:
    """How many mini programs × host apps hold an approved application of this JSAPI."""
    return JsapiApplication.objects.filter(jsapi=jsapi, state=State.APPROVED).count()


# --- features ----------------------------------------------------------------------------------


def jsapi_feature_list(*, workspace: Workspace, search: str = "") -> QuerySet[JsapiFeature]:
    rows = JsapiFeature.objects.filter(workspace=workspace)
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return rows.prefetch_related(
        Prefetch("jsapis", queryset=Jsapi.objects.order_by("name"))
    ).order_by("name", "id")


def jsapi_feature_get(*, workspace: Workspace, feature_id: int) -> JsapiFeature | None:
    return (
        JsapiFeature.objects.filter(workspace=workspace, pk=feature_id)
        .select_related("created_by")
        .prefetch_related(Prefetch("jsapis", queryset=Jsapi.objects.order_by("name")))
        .first()
    )


def jsapi_feature_history(*, feature: JsapiFeature) -> QuerySet[AuditEvent]:
    """Who changed the feature, when, with before/after: its audit rows, newest first."""
    return (
        AuditEvent.objects.filter(
            workspace_id=feature.workspace_id,
            target_type=FEATURE_TARGET,
            target_id=str(feature.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


# --- applications ------------------------------------------------------------------------------

_APPLICATION_RELATED = ("jsapi", "feature", "host_app", "miniprogram", "requested_by")


def jsapi_application_get(
    *, miniprogram: MiniProgram, application_id: int
) -> JsapiApplication | None:
    """An application of this mini program (any host app)."""
    return (
        JsapiApplication.objects.filter(miniprogram=miniprogram, pk=application_id)
        .select_related(*_APPLICATION_RELATED)
        .first()
    )


def jsapi_application_list(*, miniprogram: MiniProgram) -> QuerySet[JsapiApplication]:
    return JsapiApplication.objects.filter(miniprogram=miniprogram).select_related(
        *_APPLICATION_RELATED, "approval"
    )


def jsapi_access_list(*, workspace: Workspace, state: str = "") -> QuerySet[JsapiApplication]:
    """Applications to the tenant's host apps (what it granted, waits on, refused), newest
    first; ``state`` filters."""
    rows = JsapiApplication.objects.filter(host_app__workspace=workspace)
    if state:
        rows = rows.filter(state=state)
    return rows.select_related(*_APPLICATION_RELATED, "miniprogram__workspace", "revoked_by")


def jsapi_access_get(*, workspace: Workspace, application_id: int) -> JsapiApplication | None:
    """An application to one of the tenant's host apps (the revoking side)."""
    return (
        JsapiApplication.objects.filter(host_app__workspace=workspace, pk=application_id)
        .select_related(*_APPLICATION_RELATED, "miniprogram__workspace")
        .first()
    )


# --- a mini program's permissions, per host app --------------------------------------------------


@dataclass
class JsapiRow:
    """A sensitive JSAPI or an activation feature, as the Development tab lists it."""

    kind: str  # "jsapi" or "feature"
    pk: int
    name: str
    description: str
    status: str  # allowed | approved | processing | rejected | revoked | withdrawn | none
    via: str = ""  # the direct feature that opens a sensitive JSAPI
    application: JsapiApplication | None = None  # the newest one
    jsapi_names: list[str] = field(default_factory=list)  # a feature's

    @property
    def can_apply(self) -> bool:
        return self.status not in ("allowed", "approved", "processing")

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.pk}"


@dataclass
class HostAppPermissions:
    host_app: HostApp
    is_active: bool
    allowed: list[str]
    sensitive: list[JsapiRow]
    features: list[JsapiRow]
    seeded: bool  # False: the tenant never opened its catalogue (the default applies)

    @property
    def pending_count(self) -> int:
        return sum(r.status == "processing" for r in (*self.sensitive, *self.features))


def _status(app: JsapiApplication | None) -> str:
    return app.state if app is not None else "none"


def _targets(
    miniprogram: MiniProgram, host_workspace: Workspace | None
) -> QuerySet[MiniProgramHostApp]:
    rows = MiniProgramHostApp.objects.filter(miniprogram=miniprogram)
    if host_workspace is not None:  # a host tenant reads only its own host apps
        rows = rows.filter(host_app__workspace=host_workspace)
    return rows


def jsapi_target_workspace_ids(
    *, miniprogram: MiniProgram, host_workspace: Workspace | None = None
) -> set[int]:
    """The tenants whose host apps the mini program is released to."""
    return set(
        _targets(miniprogram, host_workspace).values_list("host_app__workspace_id", flat=True)
    )


def jsapi_permissions(
    *, miniprogram: MiniProgram, host_workspace: Workspace | None = None
) -> list[HostAppPermissions]:
    """For each host app the mini program targets (by name; only ``host_workspace``'s when
    given): what it may call and where it stands with each sensitive JSAPI and activation
    feature. Five queries, whatever the counts."""
    targets = list(
        _targets(miniprogram, host_workspace)
        .select_related("host_app__workspace")
        .order_by("host_app__name", "host_app_id")
    )
    tenant_ids = {t.host_app.workspace_id for t in targets}
    jsapis_by_tenant: dict[int, list[Jsapi]] = {}
    for jsapi in Jsapi.objects.filter(workspace_id__in=tenant_ids).order_by("name"):
        jsapis_by_tenant.setdefault(jsapi.workspace_id, []).append(jsapi)
    features_by_tenant: dict[int, list[JsapiFeature]] = {}
    for feature in (
        JsapiFeature.objects.filter(workspace_id__in=tenant_ids)
        .prefetch_related(Prefetch("jsapis", queryset=Jsapi.objects.order_by("name")))
        .order_by("name")
    ):
        features_by_tenant.setdefault(feature.workspace_id, []).append(feature)
    newest: dict[tuple[int, str, int | None], JsapiApplication] = {}
    applications = JsapiApplication.objects.filter(
        miniprogram=miniprogram, host_app_id__in=[t.host_app_id for t in targets]
    ).select_related("requested_by", "revoked_by", "approval")
    for row in applications.order_by("created_at", "id"):
        key = (
            row.host_app_id,
            "jsapi" if row.jsapi_id else "feature",
            row.jsapi_id or row.feature_id,
        )
        newest[key] = row  # oldest first: the newest wins
    answer = []
    for target in targets:
        host_app = target.host_app
        jsapis = jsapis_by_tenant.get(host_app.workspace_id, [])
        features = features_by_tenant.get(host_app.workspace_id, [])
        direct: dict[int, str] = {}
        approved: set[int] = set()
        feature_rows = []
        for feature in features:
            members = list(feature.jsapis.all())
            if feature.is_direct:
                for j in members:
                    direct.setdefault(j.pk, feature.name)
                continue
            app: JsapiApplication | None = newest.get((host_app.pk, "feature", feature.pk))
            if app is not None and app.state == State.APPROVED:
                approved.update(j.pk for j in members)
            feature_rows.append(
                JsapiRow(
                    kind="feature",
                    pk=feature.pk,
                    name=feature.name,
                    description=feature.description,
                    status=_status(app),
                    application=app,
                    jsapi_names=[j.name for j in members],
                )
            )
        sensitive_rows = []
        for jsapi in jsapis:
            if not jsapi.is_sensitive:
                continue
            app = newest.get((host_app.pk, "jsapi", jsapi.pk))
            if app is not None and app.state == State.APPROVED:
                approved.add(jsapi.pk)
            status = "allowed" if jsapi.pk in direct else _status(app)
            sensitive_rows.append(
                JsapiRow(
                    kind="jsapi",
                    pk=jsapi.pk,
                    name=jsapi.name,
                    description=jsapi.description,
                    status=status,
                    via=direct.get(jsapi.pk, ""),
                    application=app,
                )
            )
        seeded = bool(jsapis)
        allowed = (
            allowed_names(
                jsapis=[(j.pk, j.name, j.is_sensitive) for j in jsapis],
                direct_feature_jsapi_ids=direct,
                approved_jsapi_ids=approved,
            )
            if seeded
            else list(DEFAULT_ALLOWED)
        )
        answer.append(
            HostAppPermissions(
                host_app=host_app,
                is_active=target.is_active,
                allowed=allowed,
                sensitive=sensitive_rows,
                features=feature_rows,
                seeded=seeded,
            )
        )
    return answer


def seed_summary() -> tuple[int, int]:
    """How many JSAPIs and features a new catalogue starts with."""
    return len(JSAPIS), len(FEATURES)
