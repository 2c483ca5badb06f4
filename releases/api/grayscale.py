"""``/api/v1/…/miniprograms/<app_id>/targets/<target_id>/grayscale``: a target's grayscale tasks
(newest first), create one, and act on one: suspend, resume, end, raise the percentage, replace
the version (the hotfix path), pause and resume the staged schedule.

Targets and tasks are looked up *inside* the mini program (404 otherwise). Reading needs
``miniprograms.view_miniprogram`` (the tenant hosting a merchant's mini program reads too);
every write needs ``miniprograms.manage_miniprogram`` (checked by the services, as publishing),
and the services' refusals reach the client as a 400 with their sentence.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID
from releases.api.releases import TARGET_ID, ReleaseAPIView
from releases.grayscale import services
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.selectors import (
    grayscale_task_find,
    grayscale_task_get,
    grayscale_task_history,
    grayscale_task_list,
)
from releases.serializers_grayscale import (
    GrayscaleCreateSerializer,
    GrayscaleTaskDetailSerializer,
    GrayscaleTaskSerializer,
    NoteSerializer,
    PercentageSerializer,
    ReplaceVersionSerializer,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, id_parameter, json_or_multipart

TAG_GRAYSCALE = "grayscale"
TASK_ID = id_parameter("task_id", "grayscale task")
PARAMS = [SLUG, APP_ID, TARGET_ID]
ONE = [*PARAMS, TASK_ID]
MANAGE = "Needs miniprograms.manage_miniprogram."


class GrayscaleAPIView(ReleaseAPIView):
    """An endpoint about the grayscale tasks of one release target."""

    @property
    def cap(self) -> Cap:
        safe = self.request.method in ("GET", "HEAD", "OPTIONS")
        return Cap.VIEW_MINIPROGRAM if safe else Cap.MANAGE_MINIPROGRAM

    def task(self, app_id: str, target_id: int, task_id: int) -> GrayscaleTask:
        """The task inside the target (404 otherwise); a write checks MANAGE first, so a
        member without it gets a 403 whatever the body says."""
        target = self.target(app_id, target_id, self.cap)
        found = grayscale_task_get(target=target, task_id=task_id)
        if found is None:
            raise exceptions.NotFound("This release target has no such grayscale task.")
        return found

    def task_out(self, task: GrayscaleTask, *, code: int = 200) -> Response:
        """A task read again after a write."""
        fresh = grayscale_task_get(target=task.target, task_id=task.pk)
        return self.out(GrayscaleTaskSerializer, fresh, code=code)

    def version_named(self, number: str, *, field: str = "version") -> Any:
        return self.other_version(number, field=field)

    def detail_out(self, task: GrayscaleTask) -> Response:
        """One task in full, with its history."""
        history = grayscale_task_history(task=task, workspace_id=self.mp.workspace_id)
        return self.out(GrayscaleTaskDetailSerializer, task, history=history)


def _task_input(data: dict[str, Any]) -> services.TaskInput:
    platforms = data.get("platforms")
    schedule = data.get("schedule")
    return services.TaskInput(
        name=data["name"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        max_users=data["max_users"],
        host_app_version_min=data["host_app_version_min"],
        host_app_version_max=data["host_app_version_max"],
        platforms=(
            {name: [r.get("min", ""), r.get("max", "")] for name, r in platforms.items()}
            if platforms
            else None
        ),
        networks=data["networks"],
        guids=data["guids"],
        device_ids=data["device_ids"],
        accounts=data["accounts"],
        percentage=data["percentage"],
        schedule=[[s["percentage"], s["hold_hours"]] for s in schedule] if schedule else None,
    )


class GrayscaleListView(GrayscaleAPIView):
    serializer_class = GrayscaleCreateSerializer

    @extend_schema(
        tags=[TAG_GRAYSCALE],
        summary="Grayscale tasks of a release target",
        description="Newest first (paginated), each with its state and progress (users "
        "delivered / limit).",
        parameters=PARAMS,
        responses={200: GrayscaleTaskSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, target_id: int) -> Response:
        target = self.target(app_id, target_id)
        return self.paginated(grayscale_task_list(target=target), GrayscaleTaskSerializer)

    @extend_schema(
        tags=[TAG_GRAYSCALE],
        summary="Start a grayscale task",
        description="A version approved on this target (outside production approved at once), "
        "not online and higher than the online version (the first release of a target is a "
        "full release). All conditions must match for a user to get it; target lists are "
        "typed (one value per line) or uploaded as .txt files of up to 100,000 lines (every bad "
        "line is reported by number, and nothing is kept). A task whose start time has come "
        f"delivers at once. {MANAGE}",
        parameters=PARAMS,
        request=json_or_multipart(GrayscaleCreateSerializer),
        responses={201: GrayscaleTaskSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, target_id: int) -> Response:
        target = self.target(app_id, target_id, self.cap)
        data = self.body(GrayscaleCreateSerializer)
        version = self.version_named(data["version"])
        task = services.grayscale_task_create(
            actor=self.membership, target=target, version=version, data=_task_input(data)
        )
        return self.task_out(task, code=status.HTTP_201_CREATED)


DETAIL = (
    "Its conditions (list sizes, never their values), progress (users delivered / limit), "
    "percentage, where its staged schedule stands (the step in force, when the beat moves to "
    "the next) and its history: every state change and action, oldest first, with who acted "
    "(null: MPP itself) and the note."
)


class GrayscaleDetailView(GrayscaleAPIView):
    @extend_schema(
        tags=[TAG_GRAYSCALE],
        summary="A grayscale task",
        description=DETAIL,
        parameters=ONE,
        responses={200: GrayscaleTaskDetailSerializer, **ERRORS},
    )
    def get(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        return self.detail_out(self.task(app_id, target_id, task_id))


class GrayscaleTaskByIdView(GrayscaleAPIView):
    @extend_schema(
        tags=[TAG_GRAYSCALE],
        summary="A grayscale task by its id",
        description=f"The task with this id on any of the mini program's targets (``target`` "
        f"says which). {DETAIL}",
        parameters=[SLUG, APP_ID, TASK_ID],
        responses={200: GrayscaleTaskDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, task_id: int) -> Response:
        mp = self.miniprogram(app_id)
        task = grayscale_task_find(miniprogram=mp, task_id=task_id)
        if task is None:
            raise exceptions.NotFound("This mini program has no such grayscale task.")
        return self.detail_out(task)


def _action(summary: str, description: str, request: Any = None) -> Any:
    return extend_schema(
        tags=[TAG_GRAYSCALE],
        summary=summary,
        description=f"{description} {MANAGE}",
        parameters=ONE,
        request=request,
        responses={200: GrayscaleTaskSerializer, **WRITE_ERRORS},
    )


class GrayscaleSuspendView(GrayscaleAPIView):
    serializer_class = NoteSerializer

    @_action(
        "Suspend a grayscale task",
        "It stops delivering; a repeat is a no-op. Only a delivering task.",
        NoteSerializer,
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        data = self.body(NoteSerializer)
        task = services.grayscale_task_suspend(
            actor=self.membership, task_id=task.pk, note=data["note"]
        )
        return self.task_out(task)


class GrayscaleResumeView(GrayscaleAPIView):
    @_action(
        "Resume a grayscale task",
        "A suspended task delivers again; refused once its end time passed or its user limit "
        "is reached.",
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        return self.task_out(services.grayscale_task_resume(actor=self.membership, task_id=task.pk))


class GrayscaleEndView(GrayscaleAPIView):
    serializer_class = NoteSerializer

    @_action(
        "End a grayscale task",
        "For good: its users get the online version again. A repeat is a no-op.",
        NoteSerializer,
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        data = self.body(NoteSerializer)
        task = services.grayscale_task_end(
            actor=self.membership, task_id=task.pk, note=data["note"]
        )
        return self.task_out(task)


class GrayscalePercentageView(GrayscaleAPIView):
    serializer_class = PercentageSerializer

    @_action(
        "Raise the percentage",
        "Only up: users already in stay in (their sticky bucket is below the old share).",
        PercentageSerializer,
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        data = self.body(PercentageSerializer)
        task = services.grayscale_task_raise_percentage(
            actor=self.membership, task_id=task.pk, percentage=data["percentage"]
        )
        return self.task_out(task)


class GrayscaleReplaceVersionView(GrayscaleAPIView):
    serializer_class = ReplaceVersionSerializer

    @_action(
        "Replace the version (hotfix)",
        "While the task is unfinished, a newer version approved on this target replaces its "
        "version for the same cohort (admitted users stay admitted).",
        ReplaceVersionSerializer,
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        data = self.body(ReplaceVersionSerializer)
        version = self.version_named(data["version"])
        task = services.grayscale_task_replace_version(
            actor=self.membership, task_id=task.pk, version=version
        )
        return self.task_out(task)


class GrayscaleSchedulePauseView(GrayscaleAPIView):
    @_action(
        "Pause the staged schedule",
        "The task holds its current percentage (and keeps delivering). A repeat is a no-op.",
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        return self.task_out(
            services.grayscale_schedule_pause(actor=self.membership, task_id=task.pk)
        )


class GrayscaleScheduleResumeView(GrayscaleAPIView):
    @_action(
        "Resume the staged schedule",
        "The schedule advances again; the current step is held in full from now.",
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id)
        return self.task_out(
            services.grayscale_schedule_resume(actor=self.membership, task_id=task.pk)
        )
