"""Writes of the JSAPI catalogue, features and applications (issue 12).

- The catalogue is seeded per tenant, lazily and idempotently (:func:`jsapi_catalogue_ensure`,
  called by the pages and endpoints that read it): a tenant created before or after this code
  gets the same catalogue (``catalogue.py``), and the runtime answer of a tenant whose catalogue
  was never opened is the seed's already.
- The tenant's Owner/Admin (``Cap.MANAGE_JSAPI_CATALOGUE``) edits JSAPIs and features; every
  change is audited with before/after (a feature's audit rows are its history).
- A mini program's Developer (``Cap.DEVELOP_MINIPROGRAM``) applies for a sensitive JSAPI or an
  activation-needed feature in one of its host apps: an approval request (kind
  :data:`APPROVAL_KIND`) decided by that host app's tenant (:func:`jsapi_access_decided`
  applies the decision); the applicant withdraws it; the tenant's deciders revoke an approval.

Every change of what a mini program may call runs ``runtime_changed()`` in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from console.text import clean_display_text
from miniprograms.jsapis import notify
from miniprograms.jsapis.catalogue import FEATURES, JSAPIS
from miniprograms.jsapis.models import Jsapi, JsapiApplication, JsapiFeature
from miniprograms.models import MiniProgram, MiniProgramHostApp
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import runtime_changed
from workspaces.models import ApprovalRequest, Membership, User, Workspace
from workspaces.services.approvals import (
    approval_cancel,
    approval_request_open,
    approval_withdraw,
)
from workspaces.services.audit import audit_record

APPROVAL_KIND = "jsapi_access"
State = JsapiApplication.State

CATEGORY_MAX = 32
DESCRIPTION_MAX = 300
FEATURE_NAME_MIN, FEATURE_NAME_MAX = 2, 40
REASON_MIN, REASON_MAX = 10, 500
FEATURE_JSAPIS_MAX = 50

# Fields of a JSAPI the tenant edits (its name is fixed: mini programs call it by name).
JSAPI_FIELDS = ("category", "description", "on_android", "on_ios", "is_sensitive")


# --- the catalogue -------------------------------------------------------------------------------


@transaction.atomic
def jsapi_catalogue_ensure(*, workspace: Workspace) -> bool:
    """Write the seeded catalogue (``catalogue.py``) for a tenant that has none; returns whether
    it wrote. Idempotent and safe under concurrency (the workspace row is locked while checking).
    A developer workspace has no catalogue: nothing happens. Audited as the system's."""
    if not workspace.is_tenant:
        return False
    if Jsapi.objects.filter(workspace=workspace).exists():
        return False
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    if Jsapi.objects.filter(workspace=workspace).exists():
        return False  # another request seeded it while we waited for the lock
    Jsapi.objects.bulk_create(
        [
            Jsapi(
                workspace=workspace,
                name=seed.name,
                category=seed.category,
                description=seed.description,
                on_android=seed.on_android,
                on_ios=seed.on_ios,
                is_sensitive=seed.sensitive,
            )
            for seed in JSAPIS
        ]
    )
    ids = dict(Jsapi.objects.filter(workspace=workspace).values_list("name", "pk"))
    JsapiFeature.objects.bulk_create(
        [
            JsapiFeature(
                workspace=workspace, name=f.name, description=f.description, access=f.access
            )
            for f in FEATURES
        ]
    )
    features = dict(JsapiFeature.objects.filter(workspace=workspace).values_list("name", "pk"))
    Through = JsapiFeature.jsapis.through
    Through.objects.bulk_create(
        [
            Through(jsapifeature_id=features[f.name], jsapi_id=ids[name])
            for f in FEATURES
            for name in f.jsapis
        ]
    )
    audit_record(
        actor=None,
        verb="jsapi.catalogue_seed",
        workspace=workspace,
        target=workspace,
        after={"jsapis": len(JSAPIS), "features": len(FEATURES)},
    )
    return True


def jsapi_catalogues_ensure(*, workspace_ids: Iterable[int]) -> None:
    """:func:`jsapi_catalogue_ensure` for the tenants among ``workspace_ids`` lacking one (one
    query when all have theirs)."""
    wanted = set(workspace_ids)
    have = set(Jsapi.objects.filter(workspace_id__in=wanted).values_list("workspace_id", flat=True))
    for workspace in Workspace.objects.filter(pk__in=wanted - have, kind=Workspace.Kind.TENANT):
        jsapi_catalogue_ensure(workspace=workspace)


def _require_catalogue(actor: Membership, workspace_id: int) -> None:
    authz.require(actor, Cap.MANAGE_JSAPI_CATALOGUE)
    if actor.workspace_id != workspace_id:
        raise authz.CapabilityDenied(cap=Cap.MANAGE_JSAPI_CATALOGUE, member=actor)


def _jsapi_snapshot(jsapi: Jsapi) -> dict[str, Any]:
    return {name: getattr(jsapi, name) for name in JSAPI_FIELDS}


@transaction.atomic
def jsapi_update(*, actor: Membership, jsapi: Jsapi, changes: dict[str, Any]) -> Jsapi:
    """Edit a JSAPI of the actor's tenant catalogue: category, description, platforms (at least
    one), sensitive. Needs MANAGE_JSAPI_CATALOGUE. Audited with the changed fields' before and
    after; marking it sensitive or not changes what mini programs may call (runtime)."""
    _require_catalogue(actor, jsapi.workspace_id)
    jsapi = Jsapi.objects.select_for_update().get(pk=jsapi.pk)
    unknown = set(changes) - set(JSAPI_FIELDS)
    if unknown:
        raise ValidationError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    before = _jsapi_snapshot(jsapi)
    errors: dict[str, str] = {}
    if "category" in changes:
        category = clean_display_text(changes["category"], label="The category", field="category")
        if not category or len(category) > CATEGORY_MAX:
            errors["category"] = f"Give a category of 1 to {CATEGORY_MAX} characters."
        jsapi.category = category
    if "description" in changes:
        description = clean_display_text(
            changes["description"], label="The description", field="description"
        )
        if not description or len(description) > DESCRIPTION_MAX:
            errors["description"] = f"Describe it in 1 to {DESCRIPTION_MAX} characters."
        jsapi.description = description
    for name in ("on_android", "on_ios", "is_sensitive"):
        if name in changes:
            setattr(jsapi, name, bool(changes[name]))
    if not (jsapi.on_android or jsapi.on_ios):
        errors["on_android"] = "Choose at least one platform: Android, iOS or both."
    if errors:
        raise ValidationError(errors)
    after = _jsapi_snapshot(jsapi)
    changed = [name for name in JSAPI_FIELDS if before[name] != after[name]]
    if not changed:
        return jsapi
    jsapi.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor.user,
        verb="jsapi.update",
        workspace=jsapi.workspace,
        target=jsapi,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    if "is_sensitive" in changed:
        runtime_changed()
    return jsapi


# --- features ----------------------------------------------------------------------------------


def _feature_snapshot(feature: JsapiFeature, names: list[str]) -> dict[str, Any]:
    return {
        "name": feature.name,
        "description": feature.description,
        "access": feature.access,
        "jsapis": names,
    }


def _clean_feature(
    *, workspace_id: int, name: str, description: str, access: str, jsapi_ids: Iterable[int]
) -> tuple[str, str, str, list[Jsapi]]:
    errors: dict[str, str] = {}
    name = clean_display_text(name, label="The name", field="name")
    if not FEATURE_NAME_MIN <= len(name) <= FEATURE_NAME_MAX:
        errors["name"] = (
            f"Give the feature a name of {FEATURE_NAME_MIN}–{FEATURE_NAME_MAX} characters."
        )
    description = clean_display_text(description, label="The description", field="description")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep the description to {DESCRIPTION_MAX} characters."
    if access not in JsapiFeature.Access.values:
        errors["access"] = "Choose Direct or Activation needed."
    wanted = sorted(set(jsapi_ids))
    jsapis = list(Jsapi.objects.filter(workspace_id=workspace_id, pk__in=wanted).order_by("name"))
    if not wanted:
        errors["jsapis"] = "Choose at least one JSAPI."
    elif len(jsapis) != len(wanted):
        errors["jsapis"] = "One of the chosen JSAPIs is not in this catalogue."
    elif len(jsapis) > FEATURE_JSAPIS_MAX:
        errors["jsapis"] = f"A feature bundles at most {FEATURE_JSAPIS_MAX} JSAPIs."
    if errors:
        raise ValidationError(errors)
    return name, description, access, jsapis


def _name_taken(workspace_id: int, name: str, exclude: int | None = None) -> None:
    taken = JsapiFeature.objects.filter(workspace_id=workspace_id, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": f"There is already a feature named “{name}”."})


@transaction.atomic
def jsapi_feature_create(
    *,
    actor: Membership,
    name: str,
    description: str = "",
    access: str,
    jsapi_ids: Iterable[int],
) -> JsapiFeature:
    """Add a feature to the actor's tenant catalogue: 2–40 characters, unique (any case), at
    least one of its JSAPIs. Needs MANAGE_JSAPI_CATALOGUE. Audited (its history's first row)."""
    _require_catalogue(actor, actor.workspace_id)
    name, description, access, jsapis = _clean_feature(
        workspace_id=actor.workspace_id,
        name=name,
        description=description,
        access=access,
        jsapi_ids=jsapi_ids,
    )
    _name_taken(actor.workspace_id, name)
    feature = JsapiFeature(
        workspace=actor.workspace,
        name=name,
        description=description,
        access=access,
        created_by=actor.user,
    )
    try:
        with transaction.atomic():
            feature.save()
    except IntegrityError as exc:  # the same name submitted twice at once
        raise ValidationError({"name": f"There is already a feature named “{name}”."}) from exc
    feature.jsapis.set(jsapis)
    audit_record(
        actor=actor.user,
        verb="jsapi_feature.create",
        workspace=actor.workspace,
        target=feature,
        after=_feature_snapshot(feature, [j.name for j in jsapis]),
    )
    if access == JsapiFeature.Access.DIRECT:
        runtime_changed()
    return feature


@transaction.atomic
def jsapi_feature_update(
    *,
    actor: Membership,
    feature: JsapiFeature,
    name: str,
    description: str,
    access: str,
    jsapi_ids: Iterable[int],
) -> JsapiFeature:
    """Edit a feature of the actor's tenant catalogue (the same rules as creating). Audited
    with before/after of what changed (the feature's history); a change of access or JSAPIs
    changes what mini programs may call (runtime). Approved applications of the feature stay
    approved: they now open its new JSAPIs."""
    _require_catalogue(actor, feature.workspace_id)
    feature = JsapiFeature.objects.select_for_update().get(pk=feature.pk)
    before = _feature_snapshot(
        feature, list(feature.jsapis.order_by("name").values_list("name", flat=True))
    )
    name, description, access, jsapis = _clean_feature(
        workspace_id=feature.workspace_id,
        name=name,
        description=description,
        access=access,
        jsapi_ids=jsapi_ids,
    )
    _name_taken(feature.workspace_id, name, exclude=feature.pk)
    feature.name, feature.description, feature.access = name, description, access
    after = _feature_snapshot(feature, [j.name for j in jsapis])
    changed = [k for k in after if before[k] != after[k]]
    if not changed:
        return feature
    try:
        with transaction.atomic():
            feature.save(update_fields=["name", "description", "access", "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"name": f"There is already a feature named “{name}”."}) from exc
    if "jsapis" in changed:
        feature.jsapis.set(jsapis)
    audit_record(
        actor=actor.user,
        verb="jsapi_feature.update",
        workspace=feature.workspace,
        target=feature,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    if {"access", "jsapis"} & set(changed):
        runtime_changed()
    return feature


# --- applications ------------------------------------------------------------------------------


def _subject(
    *, host_app_workspace_id: int, jsapi_id: int | None, feature_id: int | None
) -> Jsapi | JsapiFeature:
    """The JSAPI or feature of the host app's tenant catalogue, checked to need an application."""
    if (jsapi_id is None) == (feature_id is None):
        raise ValidationError({"subject": "Choose one sensitive JSAPI or one feature."})
    if jsapi_id is not None:
        jsapi = Jsapi.objects.filter(workspace_id=host_app_workspace_id, pk=jsapi_id).first()
        if jsapi is None:
            raise ValidationError({"subject": "This host app offers no such JSAPI."})
        if not jsapi.is_sensitive:
            raise ValidationError(
                {"subject": f"{jsapi.name} is not sensitive: every mini program may call it."}
            )
        direct = jsapi.features.filter(access=JsapiFeature.Access.DIRECT).first()
        if direct is not None:
            raise ValidationError(
                {
                    "subject": f"{jsapi.name} is open to every mini program through the feature "
                    f"“{direct.name}”."
                }
            )
        return jsapi
    feature = JsapiFeature.objects.filter(
        workspace_id=host_app_workspace_id, pk=int(feature_id or 0)
    ).first()
    if feature is None:
        raise ValidationError({"subject": "This host app offers no such feature."})
    if feature.is_direct:
        raise ValidationError(
            {"subject": f"“{feature.name}” is direct: every mini program has it already."}
        )
    return feature


@transaction.atomic
def jsapi_apply(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    host_app_id: int,
    reason: str,
    jsapi_id: int | None = None,
    feature_id: int | None = None,
) -> JsapiApplication:
    """Apply for a sensitive JSAPI or an activation-needed feature in one host app the mini
    program is released to: the host app's tenant decides it in its approvals hub. Needs
    DEVELOP on the mini program; the reason (10–500 characters) is what the deciders read. One
    application waiting or approved per subject. Audited in the mini program's workspace."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    if miniprogram.workspace_id != actor.workspace_id:
        raise authz.CapabilityDenied(cap=Cap.DEVELOP_MINIPROGRAM, member=actor)
    target = (
        MiniProgramHostApp.objects.filter(miniprogram=miniprogram, host_app_id=host_app_id)
        .select_related("host_app__workspace")
        .first()
    )
    if target is None:
        raise ValidationError(
            {
                "host_app": "The mini program is not released to this host app: add it under "
                "“Release to” first."
            }
        )
    if not target.is_active:
        raise ValidationError(
            {"host_app": f"The mini program was taken offline from {target.host_app.name}."}
        )
    host_app = target.host_app
    jsapi_catalogue_ensure(workspace=host_app.workspace)
    subject = _subject(
        host_app_workspace_id=host_app.workspace_id, jsapi_id=jsapi_id, feature_id=feature_id
    )
    reason = clean_display_text(reason, label="The reason", field="reason", multiline=True)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationError(
            {
                "reason": f"Say in {REASON_MIN}–{REASON_MAX} characters what the mini program "
                "needs it for: the host app's reviewers read it."
            }
        )
    application = JsapiApplication(
        miniprogram=miniprogram,
        host_app=host_app,
        jsapi=subject if isinstance(subject, Jsapi) else None,
        feature=subject if isinstance(subject, JsapiFeature) else None,
        reason=reason,
        requested_by=actor.user,
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise ValidationError(
            {
                "subject": f"{subject.name} is already approved or waiting for a decision in "
                f"{host_app.name}."
            }
        ) from exc
    what = f"the JSAPI {subject.name}" if application.jsapi_id else f"the feature {subject.name}"
    request = approval_request_open(
        actor=actor,
        kind=APPROVAL_KIND,
        deciding_workspace=host_app.workspace,
        subject_key=f"jsapi_application:{application.pk}",
        summary=f"{miniprogram.name} asks for {what} in {host_app.name}",
        notes=reason,
        payload={
            "application_id": application.pk,
            "host_app_id": host_app.pk,
            "host_app": host_app.name,
            "app_id": miniprogram.app_id,
            "subject": "jsapi" if application.jsapi_id else "feature",
            "name": subject.name,
        },
    )
    application.approval = request
    application.save(update_fields=["approval", "updated_at"])
    notify.application_requested(request=request, application=application)
    audit_record(
        actor=actor.user,
        verb="jsapi.apply",
        workspace=miniprogram.workspace,
        target=miniprogram,
        after={
            "subject": application.subject_name,
            "kind": "jsapi" if application.jsapi_id else "feature",
            "host_app": host_app.name,
            "reason": reason,
        },
    )
    return application


def jsapi_access_decided(
    *, request: ApprovalRequest, state: str, actor: User | None = None
) -> None:
    """Apply a decision of the approvals hub to its application (``on_decided`` of
    :data:`APPROVAL_KIND`, inside the deciding transaction). An approval opens the JSAPIs at
    once (runtime)."""
    application_id = request.payload.get("application_id")
    application = (
        JsapiApplication.objects.select_for_update(of=("self",))
        .select_related("miniprogram", "host_app", "jsapi", "feature")
        .filter(pk=application_id, approval=request)
        .first()
    )
    if application is None:
        raise ValidationError("This request names no JSAPI application.")
    if application.state == state or application.state != State.PROCESSING:
        return
    application.state = state
    application.decided_at = timezone.now()
    application.save(update_fields=["state", "decided_at", "updated_at"])
    notify.application_decided(request=request, application=application)
    if state == State.APPROVED:
        runtime_changed()


@transaction.atomic
def jsapi_application_withdraw(
    *, actor: Membership, application: JsapiApplication
) -> JsapiApplication:
    """Withdraw an application waiting for a decision: its submitter or an admin of the mini
    program's workspace (the approvals core's rule). A repeat is a no-op."""
    if application.state == State.WITHDRAWN:
        return application
    if application.state != State.PROCESSING or application.approval_id is None:
        raise ValidationError("Only an application waiting for a decision can be withdrawn.")
    approval_withdraw(actor=actor, request_id=application.approval_id)
    application.refresh_from_db()
    return application


@transaction.atomic
def jsapi_application_revoke(
    *, actor: Membership, application: JsapiApplication, reason: str
) -> JsapiApplication:
    """Revoke an approved application, from the host app's tenant (its deciders:
    ``Cap.DECIDE_APPROVALS``): the mini program can no longer call what it opened, at once.
    The reason (required) is shown to the developers. A repeat is a no-op. Audited in the
    tenant's and the mini program's workspaces."""
    authz.require(actor, Cap.DECIDE_APPROVALS)
    application = (
        JsapiApplication.objects.select_for_update(of=("self",))
        .select_related("host_app", "miniprogram__workspace", "jsapi", "feature")
        .get(pk=application.pk)
    )
    if application.host_app.workspace_id != actor.workspace_id:
        raise authz.CapabilityDenied(cap=Cap.DECIDE_APPROVALS, member=actor)
    if application.state == State.REVOKED:
        return application
    if application.state != State.APPROVED:
        raise ValidationError("Only an approved application can be revoked.")
    reason = clean_display_text(reason, label="The reason", field="reason", multiline=True)
    if not reason:
        raise ValidationError({"reason": "Say why: the mini program's developers will read it."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX} characters."})
    application.state = State.REVOKED
    application.revoked_by = actor.user
    application.revoke_reason = reason
    application.decided_at = timezone.now()
    application.save(
        update_fields=["state", "revoked_by", "revoke_reason", "decided_at", "updated_at"]
    )
    data = {
        "subject": application.subject_name,
        "host_app": application.host_app.name,
        "miniprogram": application.miniprogram.name,
        "reason": reason,
    }
    workspaces = {actor.workspace_id: actor.workspace}
    workspaces.setdefault(application.miniprogram.workspace_id, application.miniprogram.workspace)
    for workspace in workspaces.values():
        audit_record(
            actor=actor.user,
            verb="jsapi.revoke",
            workspace=workspace,
            target=application.miniprogram,
            before={"state": State.APPROVED},
            after={"state": State.REVOKED, **data},
        )
    runtime_changed()
    return application


def jsapi_applications_cancel_offline(
    *, actor: Membership, target: MiniProgramHostApp, reason: str = ""
) -> list[JsapiApplication]:
    """Cancel the applications waiting for a decision where the mini program is being taken
    offline from a host app (their approval requests with them). Registered with
    ``miniprograms.extensions.register_take_offline``: inside ``miniprogram_take_offline``'s
    transaction (MANAGE checked there). Approved ones stay: releasing it there again restores
    what it may call."""
    waiting = list(
        JsapiApplication.objects.select_for_update()
        .filter(
            miniprogram_id=target.miniprogram_id,
            host_app_id=target.host_app_id,
            state=State.PROCESSING,
        )
        .exclude(approval=None)
        .order_by("pk")
    )
    why = f"Taken offline from {target.host_app.name}"
    why = f"{why}: {reason}" if reason else why
    for application in waiting:
        approval_cancel(
            actor_user=actor.user, request_id=int(application.approval_id or 0), reason=why
        )
        application.refresh_from_db()
    return waiting
