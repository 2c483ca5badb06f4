"""Reads of the public template library and My Templates; every query scoped to a workspace
(the tenant's library) or a mini program."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate


def library_workspace_ids(*, miniprogram: MiniProgram) -> set[int]:
    """Whose libraries a mini program picks from: the tenants of the host apps it is released
    to, and its own workspace when that is a tenant."""
    ids = set(
        MiniProgramHostApp.objects.filter(miniprogram=miniprogram).values_list(
            "host_app__workspace_id", flat=True
        )
    )
    if miniprogram.workspace.is_tenant:
        ids.add(miniprogram.workspace_id)
    return ids


def public_template_list(
    *,
    workspace_ids: set[int],
    search: str = "",
    kind: str = "",
    category: str = "",
    include_retired: bool = False,
) -> QuerySet[PublicTemplate]:
    """Templates of these tenants' libraries, by category and title, filtered."""
    rows = PublicTemplate.objects.filter(workspace_id__in=workspace_ids)
    if not include_retired:
        rows = rows.filter(is_retired=False)
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(category__icontains=search))
    if kind:
        rows = rows.filter(kind=kind)
    if category:
        rows = rows.filter(category=category)
    return rows.select_related("workspace").order_by("category", "title", "id")


def public_template_categories(*, workspace_ids: set[int]) -> list[str]:
    return list(
        PublicTemplate.objects.filter(workspace_id__in=workspace_ids)
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


def public_template_get(*, workspace_ids: set[int], template_id: int) -> PublicTemplate | None:
    """One template of these tenants' libraries; ``None`` if not theirs."""
    return (
        PublicTemplate.objects.filter(workspace_id__in=workspace_ids, pk=template_id)
        .select_related("workspace")
        .first()
    )


def my_template_list(
    *, miniprogram: MiniProgram, library_workspace_id: int | None = None
) -> QuerySet[MyTemplate]:
    """The mini program's My Templates, newest first; only those made from one tenant's library
    when ``library_workspace_id`` is given (what a host tenant reads of a merchant's)."""
    rows = MyTemplate.objects.filter(miniprogram=miniprogram)
    if library_workspace_id is not None:
        rows = rows.filter(public_template__workspace_id=library_workspace_id)
    return rows.select_related("public_template").order_by("-created_at", "-id")


def my_template_get(*, miniprogram: MiniProgram, template_id: str) -> MyTemplate | None:
    return (
        MyTemplate.objects.filter(miniprogram=miniprogram, template_id=template_id)
        .select_related("public_template", "miniprogram__workspace")
        .first()
    )
