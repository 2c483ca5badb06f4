"""``/api/v1/…/miniprograms/<app_id>/releases|targets``: the release targets matrix, submit a
version for release, withdraw, publish, roll back, and a target's history.

Releases and targets are looked up *inside* the mini program (404 otherwise). Reading needs
``miniprograms.view_miniprogram``; the services check the rest (submitting needs
``miniprograms.develop_miniprogram``, publishing and rolling back
``miniprograms.manage_miniprogram``, withdrawing is the submitter's or an admin's) and their
refusals reach the client as a 400 with their sentence.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID
from releases import selectors
from releases.api.base import NUMBER, VersionAPIView
from releases.models import Release, ReleaseTarget
from releases.release.services import (
    release_publish,
    release_rollback,
    release_submit,
    release_withdraw,
)
from releases.serializers_releases import (
    ReleaseSerializer,
    ReleaseSubmitSerializer,
    RollbackSerializer,
    TargetSerializer,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, id_parameter

TAG_RELEASES = "releases"
RELEASE_ID = id_parameter("release_id", "release")
TARGET_ID = id_parameter("target_id", "release target (host app × environment)")

_RELATED = ("version", "submitted_by", "published_by", "approval")


class ReleaseAPIView(VersionAPIView):
    """An endpoint about the releases of one mini program."""

    def release(self, app_id: str, release_id: int, cap: Cap = Cap.VIEW_MINIPROGRAM) -> Release:
        mp = self.miniprogram(app_id, cap)
        found = (
            Release.objects.filter(pk=release_id, target__miniprogram=mp)
            .select_related(*_RELATED)
            .first()
        )
        if found is None:
            raise exceptions.NotFound("This mini program has no such release.")
        return found

    def target(self, app_id: str, target_id: int, cap: Cap = Cap.VIEW_MINIPROGRAM) -> ReleaseTarget:
        mp = self.miniprogram(app_id, cap)
        found = (
            ReleaseTarget.objects.filter(pk=target_id, miniprogram=mp)
            .select_related("host_app")
            .first()
        )
        if found is None:
            raise exceptions.NotFound("This mini program has no such release target.")
        return found

    def release_out(self, release_id: int, *, code: int = 200) -> Response:
        """A release read again after a write."""
        fresh = Release.objects.select_related(*_RELATED).get(pk=release_id)
        return self.out(ReleaseSerializer, fresh, code=code)


class ReleaseTargetListView(ReleaseAPIView):
    @extend_schema(
        tags=[TAG_RELEASES],
        summary="Release targets of a mini program",
        description="Per host app and environment (paginated): the release online there and "
        "the one in progress (under review or approved), each null when there is none.",
        parameters=[SLUG, APP_ID],
        responses={200: TargetSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        return self.paginated(selectors.release_target_list(miniprogram=mp), TargetSerializer)


class ReleaseSubmitView(ReleaseAPIView):
    serializer_class = ReleaseSubmitSerializer

    @extend_schema(
        tags=[TAG_RELEASES],
        summary="Submit a version for release",
        description="A ready version, to some of the host apps the mini program is released "
        "to, in one environment. Outside production each release is approved at once; in "
        "production it waits for the review of the tenant that owns the host app. Refused "
        "(nothing created) when a target already has a release in progress. Needs "
        "miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, NUMBER],
        request=ReleaseSubmitSerializer,
        responses={201: ReleaseSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, number: str) -> Response:
        version = self.version(app_id, number, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(ReleaseSubmitSerializer)
        releases = release_submit(
            actor=self.membership,
            version=version,
            host_app_ids=data["host_app_ids"],
            environment=data["environment"],
            notes=data["notes"],
        )
        fresh = Release.objects.filter(pk__in=[r.pk for r in releases]).select_related(*_RELATED)
        ctx = self.get_serializer_context()
        body = ReleaseSerializer(sorted(fresh, key=lambda r: r.target_id), many=True, context=ctx)
        return Response(body.data, status=status.HTTP_201_CREATED)


class ReleaseWithdrawView(ReleaseAPIView):
    @extend_schema(
        tags=[TAG_RELEASES],
        summary="Withdraw a release under review",
        description="Its review is withdrawn too. The submitter, or an Owner or Admin of this "
        "workspace. A repeat is a no-op.",
        parameters=[SLUG, APP_ID, RELEASE_ID],
        request=None,
        responses={200: ReleaseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, release_id: int) -> Response:
        release = self.release(app_id, release_id)
        release_withdraw(actor=self.membership, release_id=release.pk)
        return self.release_out(release.pk)


class ReleasePublishView(ReleaseAPIView):
    @extend_schema(
        tags=[TAG_RELEASES],
        summary="Publish an approved release",
        description="It goes online on its target; the release online there is archived. "
        "Refused while the mini program is off shelf. Publishing a release that is already "
        "online is a no-op. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID, RELEASE_ID],
        request=None,
        responses={200: ReleaseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, release_id: int) -> Response:
        release = self.release(app_id, release_id)
        release_publish(actor=self.membership, release_id=release.pk)
        return self.release_out(release.pk)


class TargetRollbackView(ReleaseAPIView):
    serializer_class = RollbackSerializer

    @extend_schema(
        tags=[TAG_RELEASES],
        summary="Roll a target back",
        description="The version online before the current one goes back online, as a new "
        "rollback release; the current one is archived. Refused when nothing earlier was "
        "online, and for two rollbacks in a row. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID, TARGET_ID],
        request=RollbackSerializer,
        responses={201: ReleaseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, target_id: int) -> Response:
        target = self.target(app_id, target_id)
        data = self.body(RollbackSerializer)
        rollback = release_rollback(actor=self.membership, target_id=target.pk, note=data["note"])
        return self.release_out(rollback.pk, code=status.HTTP_201_CREATED)


class TargetHistoryView(ReleaseAPIView):
    @extend_schema(
        tags=[TAG_RELEASES],
        summary="Release history of a target",
        description="Every release of one host app × environment, newest first.",
        parameters=[SLUG, APP_ID, TARGET_ID],
        responses={200: ReleaseSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, target_id: int) -> Response:
        target = self.target(app_id, target_id)
        return self.paginated(selectors.release_history(target=target), ReleaseSerializer)
