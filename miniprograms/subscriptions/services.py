"""Writes of the public template library and of a mini program's My Templates (issue 13).

- The library is seeded per tenant, lazily and idempotently (:func:`template_library_ensure`,
  called by the pages and endpoints that read it). The tenant's Owner/Admin adds and retires
  templates: ``Cap.MANAGE_JSAPI_CATALOGUE`` (the capability of editing what the tenant's host
  apps offer mini programs) guards both.
- A mini program's Developer (``Cap.DEVELOP_MINIPROGRAM``) adds, edits and deletes its My
  Templates: 1–5 keywords of a public template of a tenant it is released to (a tenant's own
  mini program: its own library), no keyword twice, and never the same public template twice
  with the same keyword set (also a database constraint). Every write is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from console.text import clean_display_text
from miniprograms.models import MiniProgram
from miniprograms.subscriptions.library import TEMPLATES
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership, Workspace
from workspaces.services.audit import audit_record

TITLE_MAX = 40
CATEGORY_MAX = 32
KEYWORD_MAX = 20
LIBRARY_KEYWORDS_MIN, LIBRARY_KEYWORDS_MAX = 5, 15
CHOSEN_MIN, CHOSEN_MAX = 1, 5
SET_SEPARATOR = "\x1f"


def keyword_set_key(keywords: Iterable[str]) -> str:
    """The order-free key of a keyword choice (``MyTemplate.keyword_set``)."""
    return SET_SEPARATOR.join(sorted(keywords))


def new_template_id() -> str:
    """A random public template id (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


# --- the public library ------------------------------------------------------------------------


@transaction.atomic
def template_library_ensure(*, workspace: Workspace) -> bool:
    """Write the seeded library (``library.py``) for a tenant that has none; returns whether it
    wrote. Idempotent and safe under concurrency (the workspace row is locked while checking).
    A developer workspace has no library: nothing happens. Audited as the system's."""
    if not workspace.is_tenant:
        return False
    if PublicTemplate.objects.filter(workspace=workspace).exists():
        return False
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    if PublicTemplate.objects.filter(workspace=workspace).exists():
        return False  # another request seeded it while we waited for the lock
    PublicTemplate.objects.bulk_create(
        [
            PublicTemplate(
                workspace=workspace,
                title=seed.title,
                category=seed.category,
                kind=seed.kind,
                keywords=list(seed.keywords),
            )
            for seed in TEMPLATES
        ]
    )
    audit_record(
        actor=None,
        verb="message_template.library_seed",
        workspace=workspace,
        target=workspace,
        after={"templates": len(TEMPLATES)},
    )
    return True


def template_libraries_ensure(*, workspace_ids: Iterable[int]) -> None:
    """:func:`template_library_ensure` for the tenants among ``workspace_ids`` lacking one."""
    wanted = set(workspace_ids)
    have = set(
        PublicTemplate.objects.filter(workspace_id__in=wanted).values_list(
            "workspace_id", flat=True
        )
    )
    for workspace in Workspace.objects.filter(pk__in=wanted - have, kind=Workspace.Kind.TENANT):
        template_library_ensure(workspace=workspace)


def _require_library(actor: Membership, workspace_id: int) -> None:
    authz.require(actor, Cap.MANAGE_JSAPI_CATALOGUE)
    if actor.workspace_id != workspace_id:
        raise authz.CapabilityDenied(cap=Cap.MANAGE_JSAPI_CATALOGUE, member=actor)


def _clean_library_keywords(raw: Sequence[str]) -> tuple[list[str], str | None]:
    keywords: list[str] = []
    for value in raw:
        name = clean_display_text(value, label="A keyword", field="keywords").strip()
        if not name:
            continue
        if len(name) > KEYWORD_MAX:
            return [], f"Keep each keyword to {KEYWORD_MAX} characters (“{name[:30]}”)."
        if name.casefold() in {k.casefold() for k in keywords}:
            return [], f"The keyword “{name}” is listed twice."
        keywords.append(name)
    if not LIBRARY_KEYWORDS_MIN <= len(keywords) <= LIBRARY_KEYWORDS_MAX:
        return [], (
            f"Give {LIBRARY_KEYWORDS_MIN} to {LIBRARY_KEYWORDS_MAX} keywords "
            f"({len(keywords)} given)."
        )
    return keywords, None


@transaction.atomic
def public_template_create(
    *,
    actor: Membership,
    workspace: Workspace,
    title: str,
    category: str,
    kind: str,
    keywords: Sequence[str],
) -> PublicTemplate:
    """Add a template to the actor's tenant library (MANAGE_JSAPI_CATALOGUE): a title unique in
    the library (case-insensitive), a category, a type, 5–15 distinct keywords. Audited."""
    _require_library(actor, workspace.pk)
    errors: dict[str, str] = {}
    title = clean_display_text(title, label="The title", field="title").strip()
    if not title or len(title) > TITLE_MAX:
        errors["title"] = f"Give a title of 1 to {TITLE_MAX} characters."
    elif PublicTemplate.objects.filter(workspace=workspace, title__iexact=title).exists():
        errors["title"] = f"The library already has a template “{title}”."
    category = clean_display_text(category, label="The category", field="category").strip()
    if not category or len(category) > CATEGORY_MAX:
        errors["category"] = f"Give a category of 1 to {CATEGORY_MAX} characters."
    if kind not in PublicTemplate.Kind.values:
        errors["kind"] = "Choose one-time or long-term."
    cleaned, keyword_error = _clean_library_keywords(keywords)
    if keyword_error:
        errors["keywords"] = keyword_error
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            template = PublicTemplate.objects.create(
                workspace=workspace,
                title=title,
                category=category,
                kind=kind,
                keywords=cleaned,
                created_by=actor.user,
            )
    except IntegrityError as exc:  # a concurrent add of the same title
        raise ValidationError({"title": f"The library already has a template “{title}”."}) from exc
    audit_record(
        actor=actor.user,
        verb="message_template.create",
        workspace=workspace,
        target=template,
        after={"title": title, "category": category, "kind": kind, "keywords": cleaned},
    )
    return template


@transaction.atomic
def public_template_set_retired(
    *, actor: Membership, template: PublicTemplate, retired: bool
) -> PublicTemplate:
    """Retire a library template (no longer offered; My Templates made from it keep working)
    or bring it back. MANAGE_JSAPI_CATALOGUE of its tenant; a same-state call is a no-op."""
    _require_library(actor, template.workspace_id)
    template = PublicTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_retired == retired:
        return template
    template.is_retired = retired
    template.save(update_fields=["is_retired", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="message_template.retire" if retired else "message_template.restore",
        workspace=template.workspace,
        target=template,
        before={"is_retired": not retired},
        after={"is_retired": retired},
    )
    return template


# --- My Templates ------------------------------------------------------------------------------


def _clean_choice(template: PublicTemplate, keywords: Sequence[str]) -> list[str]:
    chosen = [k.strip() for k in keywords if k and k.strip()]
    if len(chosen) != len(set(chosen)):
        raise ValidationError(
            {"keywords": "A keyword can appear only once in a template: remove the repeat."}
        )
    unknown = [k for k in chosen if k not in template.keywords]
    if unknown:
        raise ValidationError(
            {"keywords": f"“{unknown[0]}” is not a keyword of “{template.title}”."}
        )
    if not CHOSEN_MIN <= len(chosen) <= CHOSEN_MAX:
        raise ValidationError(
            {"keywords": f"Choose {CHOSEN_MIN} to {CHOSEN_MAX} keywords ({len(chosen)} chosen)."}
        )
    return chosen


def _duplicate_error(template: PublicTemplate) -> ValidationError:
    return ValidationError(
        {
            "keywords": (
                f"This mini program already has “{template.title}” with these keywords: "
                "choose a different set or edit the existing template."
            )
        }
    )


def _save_choice(my: MyTemplate, template: PublicTemplate, fields: list[str] | None) -> None:
    exists = MyTemplate.objects.filter(
        miniprogram_id=my.miniprogram_id,
        public_template=template,
        keyword_set=my.keyword_set,
    )
    if my.pk:
        exists = exists.exclude(pk=my.pk)
    if exists.exists():
        raise _duplicate_error(template)
    try:
        with transaction.atomic():
            my.save(update_fields=fields) if fields else my.save()
    except IntegrityError as exc:  # a concurrent save of the same set
        raise _duplicate_error(template) from exc


@transaction.atomic
def my_template_create(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    public_template: PublicTemplate,
    keywords: Sequence[str],
    library_workspace_ids: Iterable[int],
) -> MyTemplate:
    """Add a My Template to the mini program (DEVELOP_MINIPROGRAM on it): ``public_template``
    must be a live template of one of ``library_workspace_ids`` (the selector
    ``library_workspace_ids`` of this mini program); 1–5 of its keywords, in order, none
    twice, a set not already added from the same template. Gets a new random template id."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, obj=miniprogram)
    if miniprogram.workspace_id != actor.workspace_id:
        raise authz.CapabilityDenied(cap=Cap.DEVELOP_MINIPROGRAM, member=actor)
    # Read it again: the caller's copy may predate a retirement.
    public_template = PublicTemplate.objects.get(pk=public_template.pk)
    if public_template.workspace_id not in set(library_workspace_ids):
        raise ValidationError(
            {
                "public_template": "Choose a template of a host app's library this mini program "
                "is released to."
            }
        )
    if public_template.is_retired:
        raise ValidationError(
            {"public_template": f"“{public_template.title}” was retired: choose another."}
        )
    chosen = _clean_choice(public_template, keywords)
    my = MyTemplate(
        miniprogram=miniprogram,
        public_template=public_template,
        template_id=new_template_id(),
        keywords=chosen,
        keyword_set=keyword_set_key(chosen),
        created_by=actor.user,
    )
    _save_choice(my, public_template, None)
    audit_record(
        actor=actor.user,
        verb="my_template.create",
        workspace=miniprogram.workspace,
        target=miniprogram,
        after={
            "template_id": my.template_id,
            "title": public_template.title,
            "keywords": chosen,
        },
    )
    return my


@transaction.atomic
def my_template_update(
    *, actor: Membership, my_template: MyTemplate, keywords: Sequence[str]
) -> MyTemplate:
    """Change a My Template's keywords or their order (same rules as creating; its template id
    and public template stay). DEVELOP_MINIPROGRAM. Audited when something changed."""
    miniprogram = my_template.miniprogram
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, obj=miniprogram)
    if miniprogram.workspace_id != actor.workspace_id:
        raise authz.CapabilityDenied(cap=Cap.DEVELOP_MINIPROGRAM, member=actor)
    my = (
        MyTemplate.objects.select_for_update()
        .select_related("public_template")
        .get(pk=my_template.pk)
    )
    template = my.public_template
    chosen = _clean_choice(template, keywords)
    if chosen == my.keywords:
        return my
    before = list(my.keywords)
    my.keywords = chosen
    my.keyword_set = keyword_set_key(chosen)
    _save_choice(my, template, ["keywords", "keyword_set", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="my_template.update",
        workspace=miniprogram.workspace,
        target=miniprogram,
        before={"template_id": my.template_id, "keywords": before},
        after={"template_id": my.template_id, "keywords": chosen},
    )
    return my


@transaction.atomic
def my_template_delete(*, actor: Membership, my_template: MyTemplate) -> None:
    """Delete a My Template (DEVELOP_MINIPROGRAM); its template id stops existing. Audited."""
    miniprogram = my_template.miniprogram
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, obj=miniprogram)
    if miniprogram.workspace_id != actor.workspace_id:
        raise authz.CapabilityDenied(cap=Cap.DEVELOP_MINIPROGRAM, member=actor)
    before = {
        "template_id": my_template.template_id,
        "title": my_template.public_template.title,
        "keywords": list(my_template.keywords),
    }
    MyTemplate.objects.filter(pk=my_template.pk).delete()
    audit_record(
        actor=actor.user,
        verb="my_template.delete",
        workspace=miniprogram.workspace,
        target=miniprogram,
        before=before,
    )
