"""The workspace mixin every page under ``/w/<workspace_slug>/`` uses (STYLE.md §6)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from workspaces.authz import Cap, CapabilityDenied, access_workspace, caps_for
from workspaces.extensions import settings_tabs
from workspaces.models import Membership, Workspace


class WorkspaceMixin(LoginRequiredMixin):
    """Resolves ``workspace_slug`` and the membership through authz before the handler runs.

    ``required_cap`` is checked for every method; a view that needs more for POST checks it in
    its service call (services call ``authz.require`` themselves).
    """

    required_cap: Cap = Cap.VIEW_WORKSPACE
    workspace: Workspace
    membership: Membership

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.workspace, self.membership = access_workspace(
            user=request.user, slug=kwargs["workspace_slug"], cap=self.required_cap
        )
        request.workspace = self.workspace
        request.membership = self.membership
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            workspace=self.workspace,
            membership=self.membership,
            caps=caps_for(self.membership),
        )
        return context


class TenantPageMixin(WorkspaceMixin):
    """A page about something only tenants have: 404 in a developer workspace.

    The capability table already says no developer-workspace role holds these capabilities
    (``CAP_KINDS``); this turns that refusal into "no such page" instead of a 403 naming roles.
    """

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except CapabilityDenied as exc:
            if exc.workspace is not None and not exc.workspace.is_tenant:
                raise Http404("Only tenant workspaces have this page.") from exc
            raise


class SettingsTabsMixin:
    """Context for the settings sub-navigation (General · Authorizations · Webhooks · Roles, and
    the tabs upper apps add through ``workspaces.extensions.register_settings_tab``)."""

    settings_tab = "general"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["settings_tab"] = self.settings_tab
        context["extra_settings_tabs"] = settings_tabs(
            workspace=self.workspace,  # type: ignore[attr-defined]
            membership=self.membership,  # type: ignore[attr-defined]
        )
        return context
