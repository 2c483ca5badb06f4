"""The workspace mixin every page under ``/w/<workspace_slug>/`` uses (STYLE.md §6)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin

from workspaces.authz import Cap, access_workspace, caps_for
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
