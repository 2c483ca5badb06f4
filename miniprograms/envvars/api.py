"""``/api/v1/…/miniprograms/<app_id>/environment-variables[/<environment>]``: read every
environment's variables, read or replace one environment's."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.envvars.models import EnvironmentVariable
from miniprograms.envvars.selectors import envvars_by_environment, envvars_get
from miniprograms.envvars.serializers import (
    EnvironmentSerializer,
    EnvironmentUpdateSerializer,
    EnvironmentVariablesSerializer,
)
from miniprograms.envvars.services import ENVIRONMENTS, envvars_replace
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS

TAG = "mini program environment variables"
ENVIRONMENT = OpenApiParameter(
    "environment",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="A release environment.",
    enum=EnvironmentVariable.Environment.values,
)


class EnvironmentVariableListView(MiniProgramAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Environment variables of a mini program",
        operation_id="miniprogram_environment_variables_list",
        description="Every release environment with its variables (an empty object when it "
        "has none). The runtime API hands the SDK those of the environment it launches in.",
        parameters=[SLUG, APP_ID],
        responses={200: EnvironmentVariablesSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        data = {e.environment: e.as_dict() for e in envvars_by_environment(miniprogram=mp)}
        return self.out(EnvironmentVariablesSerializer, data)


class EnvironmentVariableDetailView(MiniProgramAPIView):
    serializer_class = EnvironmentUpdateSerializer

    def _environment(self, environment: str) -> str:
        if environment not in ENVIRONMENTS:
            raise exceptions.NotFound("No such environment.")
        return environment

    @extend_schema(
        tags=[TAG],
        summary="Environment variables of one environment",
        parameters=[SLUG, APP_ID, ENVIRONMENT],
        responses={200: EnvironmentSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, environment: str) -> Response:
        mp = self.miniprogram(app_id)
        environment = self._environment(environment)
        variables = envvars_get(miniprogram=mp, environment=environment)
        return self.out(EnvironmentSerializer, {"environment": environment, "variables": variables})

    @extend_schema(
        tags=[TAG],
        summary="Replace one environment's variables",
        description="All or nothing: an invalid key or value refuses the whole set (400, the "
        "problems under fields.variables). Sending the same set again changes nothing. Apps get "
        "the new values within the runtime API's refresh bound, without a release. Needs "
        "miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, ENVIRONMENT],
        request=EnvironmentUpdateSerializer,
        responses={200: EnvironmentSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, workspace_slug: str, app_id: str, environment: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        environment = self._environment(environment)
        data = self.body(EnvironmentUpdateSerializer)
        variables = envvars_replace(
            actor=self.membership,
            miniprogram=mp,
            environment=environment,
            variables=list(data["variables"].items()),
        )
        return self.out(EnvironmentSerializer, {"environment": environment, "variables": variables})
