"""The approvals hub: ``/w/<slug>/approvals/`` (to decide / my requests) and one request's page
with its decision (approve, reject with a reason, withdraw).

A request is found only from a side of it the member's workspace is on (``authz``): the
requesting side reads it; the deciding side reads it with ``Cap.DECIDE_APPROVALS`` (a member of
the deciding tenant without it gets the 403 page naming the roles); anyone else gets 404, the
same answer as a missing request. The services apply the rest (no self-decision, a reason to
reject, who may withdraw) and their refusals land next to the field.

What a kind adds to the page (a release review: the version, its reports, the diff and the
reviewer's preview) comes from the provider the kind registered
(``workspaces.extensions.register_approval_kind(detail=…)``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache

from console.forms import apply_service_errors
from console.paging import paginate
from workspaces import selectors_approvals
from workspaces.authz import (
    Cap,
    Side,
    approval_request_on_side,
    caps_for,
    has_cap,
    has_role_cap,
    request_sides,
    require,
)
from workspaces.extensions import approval_kind
from workspaces.forms.approvals import (
    STATE_LABELS,
    STATE_TONES,
    ApprovalApproveForm,
    ApprovalFilterForm,
    ApprovalRejectForm,
)
from workspaces.mixins import WorkspaceMixin
from workspaces.models import ApprovalRequest
from workspaces.services.approvals import approval_approve, approval_reject, approval_withdraw

BOX_TO_DECIDE = "to_decide"
BOX_REQUESTED = "requested"
SELF_DECISION = "You cannot decide a request you submitted."  # the service's words


def _dress(request: ApprovalRequest) -> ApprovalRequest:
    """Display attributes of a row (no queries): state label and tone, kind label."""
    kind = approval_kind(request.kind)
    request.state_label = STATE_LABELS.get(request.state, request.state)  # type: ignore[attr-defined]
    request.state_tone = STATE_TONES.get(request.state, "neutral")  # type: ignore[attr-defined]
    request.kind_label = kind.label if kind is not None else request.kind  # type: ignore[attr-defined]
    return request


class ApprovalsMixin(WorkspaceMixin):
    """Every active member opens the hub; what each box holds is the selectors' rule."""

    def base_context(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "membership": self.membership,
            "caps": caps_for(self.membership),
            "can_decide": has_cap(self.membership, Cap.DECIDE_APPROVALS),
        }

    def on_side(self, request_id: int, side: Side, cap: Cap | None = None) -> ApprovalRequest:
        found = approval_request_on_side(member=self.membership, request_id=request_id, side=side)
        if cap is not None:
            require(self.membership, cap)
        return found

    def visible(self, request_id: int) -> ApprovalRequest:
        """The request from the requesting side, else from the deciding side as a decider."""
        try:
            return self.on_side(request_id, Side.REQUESTING)
        except Http404:
            return self.on_side(request_id, Side.DECIDING, Cap.DECIDE_APPROVALS)


class ApprovalListView(ApprovalsMixin, View):
    """The hub: two tabs ("To decide" for deciders, "My requests" for everyone), filters, a
    paginated table. "To decide" shows the requests in review unless another state is chosen."""

    template_name = "workspaces/approvals/list.html"

    def get(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        context = self.base_context()
        can_decide = context["can_decide"]
        box = request.GET.get("box") or (BOX_TO_DECIDE if can_decide else BOX_REQUESTED)
        if box != BOX_REQUESTED and not can_decide:
            box = BOX_REQUESTED  # the tab is not offered: show what the member has
        elif box not in (BOX_TO_DECIDE, BOX_REQUESTED):
            box = BOX_TO_DECIDE
        data: QueryDict = request.GET.copy()
        if box == BOX_TO_DECIDE and "state" not in data:
            data["state"] = ApprovalRequest.State.PROCESSING  # what waits for a decision
        facets = selectors_approvals.approval_facets(member=self.membership, box=box)
        form = ApprovalFilterForm(data, facets=facets)
        filters = form.filters()
        mine = box == BOX_REQUESTED and bool(getattr(form, "cleaned_data", {}).get("mine"))
        if box == BOX_TO_DECIDE:
            rows = selectors_approvals.approval_list_to_decide(member=self.membership, **filters)
        else:
            rows = selectors_approvals.approval_list_requested(
                member=self.membership, mine_only=mine, **filters
            )
        page = paginate(rows, request)
        default_state = ApprovalRequest.State.PROCESSING if box == BOX_TO_DECIDE else None
        context.update(
            box=box,
            form=form,
            page_obj=page,
            requests=[_dress(r) for r in page.object_list],
            waiting=selectors_approvals.approval_pending_count_cached(member=self.membership),
            is_default_view=filters["state"] == default_state
            and not (filters["kind"] or filters["environment"] or filters["host_app_id"] or mine),
            shows_default_state=filters["state"] == default_state,
            has_facets=bool(facets.environments or facets.host_apps),
        )
        return render(request, self.template_name, context)


class ApprovalPageMixin(ApprovalsMixin):
    """One request's page, shared by the page (GET) and its decisions (POST): a decision that
    fails renders the page again with the form, its error next to the field and the input kept.
    """

    template_name = "workspaces/approvals/detail.html"

    def page(
        self,
        found: ApprovalRequest,
        *,
        approve_form: ApprovalApproveForm | None = None,
        reject_form: ApprovalRejectForm | None = None,
        withdraw_error: str = "",
    ) -> HttpResponse:
        member = self.membership
        sides = request_sides(member, found)
        is_open = found.state == ApprovalRequest.State.PROCESSING
        is_decider = Side.DECIDING in sides and has_cap(member, Cap.DECIDE_APPROVALS)
        is_requester = found.requested_by_id == member.user_id
        kind = approval_kind(found.kind)
        detail = kind.detail(request=found, member=member) if kind and kind.detail else None
        context = self.base_context()
        context.update(
            req=_dress(found),
            sides=sorted(str(side) for side in sides),
            on_requesting_side=Side.REQUESTING in sides,
            on_deciding_side=is_decider,
            is_open=is_open,
            # Deciding: a decider of the deciding side, never on their own request (the
            # service refuses it too, with the sentence the page shows instead of the forms).
            can_decide_this=is_open and is_decider and not is_requester,
            own_request=is_open and is_decider and is_requester,
            self_decision=SELF_DECISION,
            can_withdraw=is_open
            and Side.REQUESTING in sides
            and (is_requester or has_role_cap(member, Cap.MANAGE_MINIPROGRAM)),
            approve_form=approve_form or ApprovalApproveForm(),
            reject_form=reject_form or ApprovalRejectForm(),
            withdraw_error=withdraw_error,
            detail_template=detail.template if detail else None,
            detail=detail.context if detail else {},
        )
        return render(self.request, self.template_name, context)


@method_decorator(never_cache, name="dispatch")
class ApprovalDetailView(ApprovalPageMixin, View):
    def get(self, request: HttpRequest, workspace_slug: str, request_id: int) -> HttpResponse:
        return self.page(self.visible(request_id))


class ApprovalApproveView(ApprovalPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, workspace_slug: str, request_id: int) -> HttpResponse:
        found = self.on_side(request_id, Side.DECIDING, Cap.DECIDE_APPROVALS)
        form = ApprovalApproveForm(request.POST)
        if form.is_valid():
            try:
                approval_approve(
                    actor=self.membership, request_id=found.pk, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Approved: %(what)s.") % {"what": found})
                return redirect("workspaces:approval", self.workspace.slug, found.pk)
        return self.page(self.on_side(found.pk, Side.DECIDING), approve_form=form)


class ApprovalRejectView(ApprovalPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, workspace_slug: str, request_id: int) -> HttpResponse:
        found = self.on_side(request_id, Side.DECIDING, Cap.DECIDE_APPROVALS)
        form = ApprovalRejectForm(request.POST)
        if form.is_valid():
            try:
                approval_reject(
                    actor=self.membership,
                    request_id=found.pk,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Rejected: %(what)s.") % {"what": found})
                return redirect("workspaces:approval", self.workspace.slug, found.pk)
        return self.page(self.on_side(found.pk, Side.DECIDING), reject_form=form)


class ApprovalWithdrawView(ApprovalPageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, workspace_slug: str, request_id: int) -> HttpResponse:
        found = self.on_side(request_id, Side.REQUESTING)
        try:
            approval_withdraw(actor=self.membership, request_id=found.pk)
        except ValidationError as exc:
            return self.page(
                self.on_side(found.pk, Side.REQUESTING), withdraw_error=" ".join(exc.messages)
            )
        messages.success(request, gettext("Withdrawn: %(what)s.") % {"what": found})
        return redirect("workspaces:approval", self.workspace.slug, found.pk)
