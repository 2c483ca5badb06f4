"""Workspace settings (General · Authorizations · Roles & permissions) and branding images.

Every member may read the settings; changing them needs ``Cap.CHANGE_WORKSPACE`` (checked here
for a clear 403 and again by the service). The roles page is generated from the capability
table in ``workspaces/authz/capabilities.py``, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from console.files import image_response
from console.forms import apply_service_errors
from console.paging import paginate
from workspaces import authz
from workspaces.authz import Cap, has_cap, require, role_label
from workspaces.forms.grants import GrantForm
from workspaces.forms.settings import WorkspaceSettingsForm
from workspaces.mixins import SettingsTabsMixin, WorkspaceMixin
from workspaces.selectors import (
    grant_candidate_list,
    grant_get,
    grant_list,
    member_api_token_list,
)
from workspaces.services.authorizations import token_revoke_by_admin
from workspaces.services.grants import grant_add, grant_remove
from workspaces.services.settings import (
    privacy_policy_template,
    workspace_settings_get,
    workspace_settings_update,
)


@method_decorator(never_cache, name="dispatch")
class SettingsView(SettingsTabsMixin, WorkspaceMixin, TemplateView):
    """GET for every member (read-only without ``CHANGE_WORKSPACE``); POST saves.

    ``use_privacy_template`` in a POST re-renders the form with the user's unsaved input and
    the privacy policy replaced by the provided template; nothing is saved until "Save".
    """

    template_name = "workspaces/settings/general.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        row = workspace_settings_get(workspace=self.workspace)
        form = None
        if has_cap(self.membership, Cap.CHANGE_WORKSPACE):
            initial = WorkspaceSettingsForm.initial_for(workspace=self.workspace, row=row)
            form = WorkspaceSettingsForm(initial=initial)
        return self._render(row=row, form=form)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require(self.membership, Cap.CHANGE_WORKSPACE)
        row = workspace_settings_get(workspace=self.workspace)
        if request.POST.get("use_privacy_template"):
            initial = WorkspaceSettingsForm.initial_for(workspace=self.workspace, row=row)
            for name in initial:
                if name in request.POST:
                    initial[name] = request.POST[name]
            initial["privacy_policy"] = privacy_policy_template(workspace=self.workspace)
            messages.info(
                request,
                gettext("The privacy policy now holds the template. Adapt it, then save."),
            )
            return self._render(row=row, form=WorkspaceSettingsForm(initial=initial))
        form = WorkspaceSettingsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                workspace_settings_update(
                    actor=self.membership,
                    changes=form.changes(),
                    logo=form.cleaned_data["logo"],
                    favicon=form.cleaned_data["favicon"],
                    clear_logo=form.cleaned_data["clear_logo"],
                    clear_favicon=form.cleaned_data["clear_favicon"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, gettext("Settings saved."))
                return redirect("workspaces:settings", self.workspace.slug)
        return self._render(row=row, form=form)

    def _render(self, *, row, form) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(
                row=row,
                form=form,
                email_preference_label=row.get_email_preference_display(),
                language_label=dict(
                    WorkspaceSettingsForm.base_fields["default_language"].choices
                ).get(self.workspace.default_language, self.workspace.default_language),
            )
        )


class SettingsAssetView(WorkspaceMixin, View):
    """The workspace's logo or favicon, for members (previews on the settings page)."""

    ASSETS = ("logo", "favicon")

    def get(self, request: HttpRequest, asset: str, **kwargs) -> HttpResponse:
        if asset not in self.ASSETS:
            raise Http404("No such asset.")
        file = getattr(workspace_settings_get(workspace=self.workspace), asset)
        if not file:
            raise Http404("Not set.")
        return image_response(file)


class AuthorizationsView(SettingsTabsMixin, WorkspaceMixin, TemplateView):
    """Members' active API tokens and the object grants (on the workspace and on its mini
    programs), each revocable here."""

    required_cap = Cap.MANAGE_AUTHORIZATIONS
    template_name = "workspaces/settings/authorizations.html"
    settings_tab = "authorizations"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = paginate(member_api_token_list(workspace=self.workspace), self.request)
        context.update(page_obj=page, tokens=list(page.object_list))
        context.setdefault("grant_form", self.grant_form())
        context["grants"] = grant_list(workspace=self.workspace)
        return context

    def grant_form(self, data=None) -> GrantForm:
        """The "Grant a capability" form: who a grant could help, what may be granted here."""
        return GrantForm(
            data,
            members=grant_candidate_list(workspace=self.workspace),
            caps=authz.useful_grants(self.workspace),
            kind=self.workspace.kind,
        )


class AuthorizationTokenRevokeView(WorkspaceMixin, View):
    required_cap = Cap.MANAGE_AUTHORIZATIONS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, token_id: int, **kwargs) -> HttpResponse:
        token = token_revoke_by_admin(actor=self.membership, token_id=token_id)
        messages.success(
            request,
            gettext("Revoked “%(name)s” of %(owner)s. Anything using it can no longer sign in.")
            % {"name": token.name, "owner": token.user.name or token.user.email},
        )
        return redirect("workspaces:authorizations", self.workspace.slug)


@dataclass(frozen=True)
class RoleMatrixRow:
    cap: str
    description: str
    cells: tuple[tuple[str, bool], ...]  # (role label, holds the capability)


def role_matrix(kind: str) -> tuple[list[str], list[RoleMatrixRow]]:
    """Role labels and one row per capability that exists in a workspace of ``kind``.

    Read at call time from ``authz`` (ROLES_BY_KIND × ROLE_CAPS × CAP_KINDS through
    ``roles_with``), so the page always shows the table the code enforces.
    """
    roles = authz.ROLES_BY_KIND[kind]
    labels = [role_label(role, kind) for role in roles]
    rows = []
    for cap in authz.Cap:
        kinds = authz.CAP_KINDS.get(cap)
        if kinds is not None and kind not in kinds:
            continue
        holders = set(authz.roles_with(cap, kind))
        rows.append(
            RoleMatrixRow(
                cap=cap.value,
                description=authz.CAP_DESCRIPTIONS.get(cap, cap.value),
                cells=tuple(
                    (label, role in holders) for label, role in zip(labels, roles, strict=True)
                ),
            )
        )
    return labels, rows


class RolesView(SettingsTabsMixin, WorkspaceMixin, TemplateView):
    """What each role may do here: generated from the capability table."""

    template_name = "workspaces/settings/roles.html"
    settings_tab = "roles"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles, rows = role_matrix(self.workspace.kind)
        context.update(
            role_labels=roles,
            rows=rows,
            my_role_label=role_label(self.membership.role, self.workspace.kind),
            grantable_descriptions=[
                authz.CAP_DESCRIPTIONS[cap] for cap in authz.useful_grants(self.workspace)
            ],
        )
        return context


# --- object grants (Authorizations page; services/grants.py) ---------------------------------


class AuthorizationGrantAddView(AuthorizationsView):
    """POST of the "Grant a capability" form; errors re-render the Authorizations page."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.grant_form(request.POST)
        if form.is_valid():
            member = form.members[form.cleaned_data["member"]]
            try:
                grant_add(
                    actor=self.membership,
                    user_id=member.user_id,
                    cap=form.cleaned_data["cap"],
                    obj=self.workspace,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext("%(who)s may now: %(what)s.")
                    % {
                        "who": member.user.name or member.user.email,
                        "what": authz.CAP_DESCRIPTIONS[Cap(form.cleaned_data["cap"])],
                    },
                )
                return redirect("workspaces:authorizations", self.workspace.slug)
        return self.render_to_response(self.get_context_data(grant_form=form))


class AuthorizationGrantRevokeView(WorkspaceMixin, View):
    """Revoke one grant. Each object type keeps its grants in its own table, so the form says
    which one ``grant_id`` is of (``object_type``: "workspace", the default, or "miniprogram")."""

    required_cap = Cap.MANAGE_AUTHORIZATIONS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, grant_id: int, **kwargs) -> HttpResponse:
        object_type = request.POST.get("object_type") or "workspace"
        grant = grant_get(workspace=self.workspace, grant_id=grant_id, object_type=object_type)
        if grant is None:
            raise Http404("No such grant.")
        grant_remove(actor=self.membership, user_id=grant.user.pk, cap=grant.cap, obj=grant.object)
        messages.success(
            request,
            gettext("Revoked “%(what)s” on %(object)s from %(who)s.")
            % {
                "what": grant.description,
                "object": grant.object_repr,
                "who": grant.user.name or grant.user.email,
            },
        )
        return redirect("workspaces:authorizations", self.workspace.slug)
