"""The shell's own pages (namespace ``console``). Apps mount theirs under ``w/<slug>/`` too."""

from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("w/<slug:workspace_slug>/", views.DashboardView.as_view(), name="dashboard"),
]
