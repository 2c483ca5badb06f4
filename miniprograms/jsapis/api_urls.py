"""API routes: jsapis (inside the ``miniprograms-api`` namespace)."""

urlpatterns: list = []
