"""Sign-up and the first workspace (namespace ``onboarding``; workspaces/views/onboarding.py)."""

from django.urls import path

from workspaces.views import onboarding

app_name = "onboarding"

urlpatterns = [
    path("signup/", onboarding.SignupView.as_view(), name="signup"),
    path("signup/sent/", onboarding.SignupSentView.as_view(), name="signup-sent"),
    path(
        "signup/confirm/<str:token>/", onboarding.SignupConfirmView.as_view(), name="signup-confirm"
    ),
    path("workspace/", onboarding.WorkspaceCreateView.as_view(), name="workspace-create"),
]
