"""Sign-up and the first workspace (namespace ``onboarding``; workspaces/views/onboarding.py)."""

from django.urls import path

from workspaces.views import onboarding

app_name = "onboarding"

urlpatterns = [
    path("signup/", onboarding.SignupView.as_view(), name="signup"),
    path("workspace/", onboarding.WorkspaceCreateView.as_view(), name="workspace-create"),
]
