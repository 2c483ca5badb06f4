"""``/api/v1/…``: the mini programs API (STYLE.md §10b), a mirror of the console's pages.

Built on the tenancy API's :class:`~workspaces.endpoints.WorkspaceAPIView`: the workspace is
resolved through authz (404 for non-members), a mini program is fetched and authorized in one
step by ``access_miniprogram`` (404 when it is not visible — missing, in another workspace, or a
Developer not assigned to it — and 403 naming the roles when it is visible but the capability is
missing), and every write calls the service the console calls. A service's ``ValidationError``
becomes a 400 with the console's messages in ``error.fields`` (``console.api``).

By feature: ``industries``, ``programs`` (list, create, read, edit, delete), ``lifecycle``
(shelf, offline from a host app), ``members`` (assigned Developers, testers) and ``hosted`` (a
tenant's mini programs from developers, read-only). The views are
re-exported here for existing imports; the URL module imports the feature modules.
"""

from miniprograms.api.industries import IndustryListView
from miniprograms.api.lifecycle import MiniProgramHostAppOfflineView, MiniProgramShelfView
from miniprograms.api.members import (
    MiniProgramDeveloperDetailView,
    MiniProgramDeveloperListView,
    MiniProgramTesterDetailView,
    MiniProgramTesterListView,
)
from miniprograms.api.programs import MiniProgramDetailView, MiniProgramListView

__all__ = [
    "IndustryListView",
    "MiniProgramDetailView",
    "MiniProgramDeveloperDetailView",
    "MiniProgramDeveloperListView",
    "MiniProgramHostAppOfflineView",
    "MiniProgramListView",
    "MiniProgramShelfView",
    "MiniProgramTesterDetailView",
    "MiniProgramTesterListView",
]
