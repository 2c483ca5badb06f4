"""API routes: secrets (inside the ``miniprograms-api`` namespace)."""

urlpatterns: list = []
