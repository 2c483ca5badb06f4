"""The API base every app's endpoints build on (``/api/v1/workspaces/{slug}/…``).

Workspace resolution through authz (404 for non-members, like a missing workspace), a
capability denial turned into a 403 naming the roles that hold it, query/body/paging helpers,
and the OpenAPI pieces every workspace endpoint shares (the slug parameter, its error answers).
The apps above (miniprograms, releases, …) import these from here, never another app's API
module.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from workspaces import authz
from workspaces.authz import Cap, CapabilityDenied, access_workspace
from workspaces.models import Membership, Workspace

SLUG = OpenApiParameter(
    "workspace_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="Workspace slug."
)


def id_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.INT, OpenApiParameter.PATH, description=f"Id of the {what}."
    )


def json_or_multipart(serializer_class) -> dict[str, Any]:
    """An operation's request body, accepted as JSON or as a multipart form (with files)."""
    return {"application/json": serializer_class, "multipart/form-data": serializer_class}


# Error answers every workspace endpoint can give.
ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {400: ErrorSerializer, **ERRORS}


def capability_message(exc: CapabilityDenied) -> str:
    """The 403 message: the capability (for scripts) and the roles holding it (for people)."""
    workspace = exc.workspace
    kind = workspace.kind if workspace is not None else None
    roles = [authz.role_label(r, kind or "tenant") for r in authz.roles_with(exc.cap, kind)]
    who = " or ".join(roles) if roles else "nobody in this kind of workspace"
    return f"This needs the capability {exc.cap.value}, held by: {who}."


class TenancyAPIView(GenericAPIView):
    """Converts a capability denial into a 403 that says which roles are allowed.

    ``serializer_class`` only feeds OPTIONS (DRF's metadata): views that take a body set their
    input serializer; the handlers pick their serializers explicitly.
    """

    serializer_class = serializers.Serializer

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, CapabilityDenied):
            exc = exceptions.PermissionDenied(capability_message(exc))
        return super().handle_exception(exc)


class WorkspaceAPIView(TenancyAPIView):
    """Resolves ``workspace_slug`` through authz before any handler runs.

    ``read_cap`` is required for GET; writes are checked by the services they call, so the
    console, the API and tasks refuse the same things. ``tenant_only`` answers 404 in a
    developer workspace (before any capability check, so nothing about it leaks).
    """

    read_cap: Cap = Cap.VIEW_WORKSPACE
    tenant_only: bool = False
    workspace: Workspace
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication first: 401 before 404
        self.workspace, self.membership = access_workspace(
            user=request.user, slug=kwargs["workspace_slug"]
        )
        if self.tenant_only and not self.workspace.is_tenant:
            raise Http404("Host apps and developer workspaces belong to tenant workspaces.")
        if request.method in ("GET", "HEAD"):
            authz.require(self.membership, self.read_cap)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["workspace"] = getattr(self, "workspace", None)
        return context

    def query(self, serializer_class) -> dict[str, Any]:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def body(self, serializer_class, *, partial: bool = False) -> dict[str, Any]:
        data = serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def paginated(self, queryset, serializer_class) -> Response:
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def out(self, serializer_class, instance, *, code: int = 200, **context: Any) -> Response:
        ctx = {**self.get_serializer_context(), **context}
        return Response(serializer_class(instance, context=ctx).data, status=code)
