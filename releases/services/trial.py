"""The trial version: which ready version whitelisted testers open, and at which page."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError
from django.db import transaction

from console.text import refuse_forbidden_characters
from miniprograms.models import MiniProgram
from releases.models import TrialVersion, Version
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership
from workspaces.services.audit import audit_record

QUERY_MAX = 200


def version_pages(version: Version) -> list[str]:
    """Every page of a scanned version: main pages, then each subpackage's (root + page)."""
    summary = version.scan_summary or {}
    pages = list(summary.get("pages") or [])
    for sub in summary.get("subpackages") or []:
        pages += [sub["root"] + page for page in sub.get("pages") or []]
    return pages


def _clean_page(version: Version, page_path: str) -> str:
    path = (page_path or "").strip().lstrip("/")
    path = path.split("?", 1)[0].removesuffix(".js")
    pages = version_pages(version)
    if not path:
        raise ValidationError({"page_path": "Enter the page to open, e.g. pages/index/index."})
    if path not in pages:
        shown = ", ".join(pages[:5]) + ("…" if len(pages) > 5 else "")
        message = f"“{path}” is not a page of version {version.number}; its pages: {shown}."
        raise ValidationError({"page_path": message})
    return path


def _clean_query(query: str) -> str:
    query = (query or "").strip().lstrip("?")
    # Echoed into launch_path: a CR/LF or other control character could split what it feeds.
    try:
        refuse_forbidden_characters(query, label="The query")
    except ValidationError as exc:
        raise ValidationError({"query": exc.messages}) from None
    if len(query) > QUERY_MAX:
        raise ValidationError(
            {"query": f"The query is {len(query)} characters; keep it to {QUERY_MAX}."}
        )
    if query:
        try:
            parse_qsl(query, keep_blank_values=True, strict_parsing=True)
        except ValueError as exc:
            raise ValidationError(
                {"query": f"“{query[:60]}” is not a query string like a=1&b=2."}
            ) from exc
    return query


@transaction.atomic
def trial_configure(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    version: Version,
    page_path: str,
    query: str = "",
) -> TrialVersion:
    """Make ``version`` the trial version, opening at ``page_path?query``. Needs DEVELOP.

    The version must belong to the mini program and be ready (scanned and built); the page must
    be one of its pages (app.json); the query must parse as ``a=1&b=2``.
    """
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    if version.miniprogram_id != miniprogram.pk:
        raise ValidationError({"version": "This version belongs to another mini program."})
    if version.status != Version.Status.READY:
        state = version.get_status_display().lower()
        message = f"Version {version.number} is not ready yet (it is {state})."
        raise ValidationError({"version": message})
    path, query = _clean_page(version, page_path), _clean_query(query)
    trial = TrialVersion.objects.select_for_update().filter(miniprogram=miniprogram).first()
    before = (
        {"version": trial.version.number, "page_path": trial.page_path, "query": trial.query}
        if trial
        else None
    )
    trial, _created = TrialVersion.objects.update_or_create(
        miniprogram=miniprogram,
        defaults={"version": version, "page_path": path, "query": query, "updated_by": actor.user},
    )
    after = {"version": version.number, "page_path": path, "query": query}
    if before != after:
        audit_record(
            actor=actor.user,
            verb="miniprogram.trial_configure",
            workspace=actor.workspace,
            target=miniprogram,
            before=before,
            after=after,
        )
    return trial


@transaction.atomic
def trial_clear(*, actor: Membership, miniprogram: MiniProgram) -> None:
    """Stop offering a trial version. Needs DEVELOP; clearing nothing is a no-op."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    trial = TrialVersion.objects.select_related("version").filter(miniprogram=miniprogram).first()
    if trial is None:
        return
    trial.delete()
    audit_record(
        actor=actor.user,
        verb="miniprogram.trial_clear",
        workspace=actor.workspace,
        target=miniprogram,
        before={"version": trial.version.number, "page_path": trial.page_path},
    )
