"""API routes: envvars (inside the ``miniprograms-api`` namespace)."""

urlpatterns: list = []
