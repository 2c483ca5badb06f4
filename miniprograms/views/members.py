"""Members & testers of one mini program, and the quick start's second step (add members)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.forms import apply_service_errors
from console.paging import paginate
from miniprograms.forms import (
    DeveloperAssignForm,
    TesterFilterForm,
    TestersAddForm,
    WizardMembersForm,
    invite_roles,
)
from miniprograms.selectors import (
    miniprogram_assignable_developers,
    miniprogram_developer_list,
    miniprogram_pending_invitations,
    miniprogram_tester_get,
    miniprogram_tester_list,
)
from miniprograms.services.members import (
    MAX_TESTERS,
    miniprogram_developer_assign,
    miniprogram_developer_unassign,
    miniprogram_team_add,
    miniprogram_tester_remove,
    miniprogram_testers_add,
)
from miniprograms.views.base import MiniProgramMixin
from workspaces import authz
from workspaces.authz import Cap
from workspaces.services.invitations import INVITATION_TTL


class MembersView(MiniProgramMixin, TemplateView):
    """Assigned Developers and the tester whitelist: everyone who sees the mini program reads
    them; MANAGE assigns, DEVELOP edits the whitelist."""

    template_name = "miniprograms/members.html"
    tab = "members"
    host_readable = False  # a host tenant never sees the merchant's team (404)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mp = self.miniprogram
        can_assign = Cap.MANAGE_MINIPROGRAM.value in self.mp_caps
        assignable = miniprogram_assignable_developers(miniprogram=mp) if can_assign else []
        filters = TesterFilterForm(self.request.GET)
        query = filters.query()
        page = paginate(miniprogram_tester_list(miniprogram=mp, search=query), self.request)
        context.update(
            developers=miniprogram_developer_list(miniprogram=mp),
            invitations=miniprogram_pending_invitations(miniprogram=mp),
            assignable=assignable,
            can_invite=authz.has_cap(self.membership, Cap.MANAGE_MEMBERS),
            tester_filters=filters,
            tester_query=query,
            page_obj=page,
            testers=list(page.object_list),
            max_testers=MAX_TESTERS,
        )
        context.setdefault("assign_form", DeveloperAssignForm(developers=assignable))
        context.setdefault("add_form", TestersAddForm())
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data())

    def back(self, anchor: str) -> HttpResponse:
        url = reverse("miniprograms:members", args=[self.workspace.slug, self.miniprogram.app_id])
        return redirect(f"{url}#{anchor}")


class DeveloperAssignView(MembersView):
    """Assign a Developer of the workspace (Owner and Admins). POST only."""

    http_method_names = ["post"]
    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        assignable = miniprogram_assignable_developers(miniprogram=self.miniprogram)
        form = DeveloperAssignForm(request.POST, developers=assignable)
        if form.is_valid():
            try:
                member = miniprogram_developer_assign(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    user_id=form.cleaned_data["user"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("%(person)s now works on “%(name)s”.")
                    % {
                        "person": member.user.name or member.user.email,
                        "name": self.miniprogram.name,
                    },
                )
                return self.back("developers")
        return self.render_to_response(self.get_context_data(assign_form=form))


class DeveloperUnassignView(MiniProgramMixin, View):
    """Take a Developer off the mini program (Owner and Admins). POST only."""

    host_readable = False
    http_method_names = ["post"]
    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, user_id: int, **kwargs: Any) -> HttpResponse:
        developers = miniprogram_developer_list(miniprogram=self.miniprogram)
        member = next((m for m in developers if m.user_id == user_id), None)
        if member is None:
            raise Http404("This person is not assigned to the mini program.")
        miniprogram_developer_unassign(
            actor=self.membership, miniprogram=self.miniprogram, user_id=user_id
        )
        messages.success(
            request,
            gettext("%(person)s no longer works on “%(name)s”.")
            % {"person": member.user.name or member.user.email, "name": self.miniprogram.name},
        )
        url = reverse("miniprograms:members", args=[self.workspace.slug, self.miniprogram.app_id])
        return redirect(f"{url}#developers")


class TestersAddView(MembersView):
    """Add accounts to the tester whitelist: typed one per line and/or a .txt list. POST only;
    a refused batch shows the page again with the input kept."""

    http_method_names = ["post"]
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TestersAddForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = miniprogram_testers_add(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    accounts=form.lines(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                added = len(result.added)
                text = ngettext("Added %(count)d tester.", "Added %(count)d testers.", added) % {
                    "count": added
                }
                if result.already_listed:
                    text += " " + gettext("Already listed: %(accounts)s.") % {
                        "accounts": ", ".join(result.already_listed)
                    }
                messages.success(request, text)
                return self.back("testers")
        return self.render_to_response(self.get_context_data(add_form=form), status=200)


class TesterRemoveView(MiniProgramMixin, View):
    """Remove one account from the whitelist (DEVELOP). POST only."""

    host_readable = False
    http_method_names = ["post"]
    miniprogram_cap = Cap.DEVELOP_MINIPROGRAM

    def post(self, request: HttpRequest, *args: Any, tester_id: int, **kwargs: Any) -> HttpResponse:
        tester = miniprogram_tester_get(miniprogram=self.miniprogram, tester_id=tester_id)
        if tester is None:
            raise Http404("No such tester.")
        miniprogram_tester_remove(
            actor=self.membership, miniprogram=self.miniprogram, tester_id=tester.pk
        )
        messages.success(
            request, gettext("Removed %(account)s from the testers.") % {"account": tester.account}
        )
        url = reverse("miniprograms:members", args=[self.workspace.slug, self.miniprogram.app_id])
        return redirect(f"{url}#testers")


@method_decorator(never_cache, name="dispatch")
class WizardMembersView(MiniProgramMixin, TemplateView):
    """Quick start, step 2 of 2: assign Developers already here and/or invite people (invited
    Developers are assigned to this mini program when they join); then "Enter console"."""

    template_name = "miniprograms/wizard_members.html"
    host_readable = False
    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def _form(self, data=None) -> WizardMembersForm:
        return WizardMembersForm(
            data,
            developers=miniprogram_assignable_developers(miniprogram=self.miniprogram),
            workspace=self.workspace,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            wizard=True,
            role_choices=invite_roles(self.workspace),
            can_invite=authz.has_cap(self.membership, Cap.MANAGE_MEMBERS),
            ttl_days=INVITATION_TTL.days,
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            if form.is_empty:
                return self.enter()
            try:
                # Both or neither: a refused invitation leaves nobody assigned.
                added = miniprogram_team_add(
                    actor=self.membership,
                    miniprogram=self.miniprogram,
                    developer_ids=form.cleaned_data["developers"],
                    invitations=form.invites.specs(app_id=self.miniprogram.app_id),
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                parts = []
                if added.assigned:
                    parts.append(
                        ngettext(
                            "Assigned %(count)d Developer.",
                            "Assigned %(count)d Developers.",
                            len(added.assigned),
                        )
                        % {"count": len(added.assigned)}
                    )
                if added.invited:
                    parts.append(
                        ngettext(
                            "Invited %(count)d person.",
                            "Invited %(count)d people.",
                            len(added.invited),
                        )
                        % {"count": len(added.invited)}
                    )
                messages.success(request, " ".join(parts))
                return self.enter()
        return self.render_to_response(self.get_context_data(form=form))

    def enter(self) -> HttpResponse:
        return redirect("miniprograms:detail", self.workspace.slug, self.miniprogram.app_id)
