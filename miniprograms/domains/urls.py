"""Development tab pages: domains."""

urlpatterns: list = []
