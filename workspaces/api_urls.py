"""``/api/v1/`` endpoints of the workspaces app."""

app_name = "workspaces-api"

urlpatterns: list = []
