"""``/api/v1/industries``: the industry taxonomy a mini program's ``industry`` comes from."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from miniprograms.selectors import industry_search
from miniprograms.serializers.industries import IndustryQuerySerializer, IndustrySerializer
from workspaces.endpoints import TenancyAPIView

TAG_INDUSTRIES = "industries"


class IndustryListView(TenancyAPIView):
    @extend_schema(
        tags=[TAG_INDUSTRIES],
        summary="Industries a mini program can be in",
        description="The leaves of the two-level taxonomy, in taxonomy order, with their group; "
        "a mini program's industry is one of these codes.",
        parameters=[IndustryQuerySerializer],
        responses={200: IndustrySerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        query = IndustryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            industry_search(search=query.validated_data.get("search", "").strip())
        )
        return self.get_paginated_response(IndustrySerializer(page, many=True).data)
