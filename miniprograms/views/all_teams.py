"""``/miniprograms/``: the mini programs of every team the user belongs to (STYLE.md §6).

No workspace in the URL: the list is scoped by the user's own active memberships (the
selector reads them), and the "Team" filter offers only those workspaces.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from miniprograms.forms import AllTeamsFilterForm
from miniprograms.selectors import miniprogram_list_for_user
from miniprograms.views.rows import list_rows, paginate_ids_first
from workspaces import authz
from workspaces.authz import Cap
from workspaces.selectors import membership_list_for_user


class AllTeamsListView(LoginRequiredMixin, TemplateView):
    """Every signed-in user: in each workspace they are an active member of, the mini programs
    they may see there (all of them, or the assigned ones for a Developer); rows link into the
    mini program's own workspace."""

    template_name = "miniprograms/list_all.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        memberships = list(membership_list_for_user(user=user))
        filters = AllTeamsFilterForm(
            self.request.GET or None, teams=[m.workspace for m in memberships]
        )
        values = filters.values()
        page = paginate_ids_first(miniprogram_list_for_user(user=user, **values), self.request)
        rows_on_page = list(page.object_list)
        team = values["workspace_slug"]
        context.update(
            filters=filters,
            is_filtered=any(values.values()),
            is_unknown_team=filters.is_unknown_team,
            has_teams=bool(memberships),
            page_obj=page,
            miniprograms=rows_on_page,
            rows=list_rows(rows_on_page, slug_of=lambda mp: mp.workspace.slug, team=True),
            # Where an empty list may send its reader to create one (the chosen team only).
            create_in=[
                m.workspace
                for m in memberships
                if authz.has_cap(m, Cap.ADD_MINIPROGRAM) and team in ("", m.workspace.slug)
            ],
        )
        return context
