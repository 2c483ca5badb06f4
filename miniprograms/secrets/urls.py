"""Development tab pages: secrets."""

urlpatterns: list = []
