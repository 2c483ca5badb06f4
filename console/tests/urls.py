"""A test-only URLconf: the real one plus views that fail on purpose.

Use with ``@pytest.mark.urls("console.tests.urls")``. The error handlers are re-exported
because Django looks them up on the root URLconf module.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from console.urls import handler403, handler404, handler500
from console.urls import urlpatterns as console_urlpatterns
from workspaces.authz import Cap
from workspaces.mixins import WorkspaceMixin

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: a test-only view that always fails")


class ManageMembersOnlyView(WorkspaceMixin, TemplateView):
    """Stands in for any page that needs Cap.MANAGE_MEMBERS."""

    required_cap = Cap.MANAGE_MEMBERS
    template_name = "console/dashboard.html"


urlpatterns = [
    path("test/boom/", boom),
    path("api/v1/test/boom/", boom),
    path("w/<slug:workspace_slug>/test/manage-members/", ManageMembersOnlyView.as_view()),
    *console_urlpatterns,
]
