"""``/api/v1/`` views of the workspaces app: the caller and their personal API tokens.

Thin views (STYLE.md §1): parse, call one selector or service, serialize. Bearer tokens and
the console's session both authenticate (settings ``REST_FRAMEWORK``).
"""

from __future__ import annotations

from django_otp import user_has_device
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from console.api import ErrorSerializer
from workspaces.selectors import api_token_list, membership_list_for_user
from workspaces.serializers import (
    ApiTokenListQuerySerializer,
    ApiTokenSerializer,
    MeSerializer,
)
from workspaces.services.tokens import token_revoke

TAG = "Account"


class MeView(APIView):
    @extend_schema(
        tags=[TAG],
        summary="The caller",
        description="Who the token (or session) belongs to, and their active workspaces.",
        responses={200: MeSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        me = {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "two_factor_enabled": user_has_device(user),
            "workspaces": membership_list_for_user(user=user),
        }
        return Response(MeSerializer(me).data)


class TokenListView(generics.ListAPIView):
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        query = ApiTokenListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return api_token_list(user=self.request.user, status=query.validated_data.get("status"))

    @extend_schema(
        tags=[TAG],
        summary="List your API tokens",
        description="Newest first. Secrets are never returned: only the public prefix.",
        parameters=[ApiTokenListQuerySerializer],
        responses={200: ApiTokenSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class TokenDetailView(APIView):
    @extend_schema(
        tags=[TAG],
        summary="Revoke one of your API tokens",
        description="Revoking an already revoked token succeeds and changes nothing. "
        "Someone else's token answers 404, like a missing one.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={204: None, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def delete(self, request: Request, id: int) -> Response:
        token_revoke(actor=request.user, token_id=id)
        return Response(status=status.HTTP_204_NO_CONTENT)
