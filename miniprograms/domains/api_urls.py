"""API routes: domains (inside the ``miniprograms-api`` namespace)."""

urlpatterns: list = []
