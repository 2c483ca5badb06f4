"""Development tab pages: envvars."""

urlpatterns: list = []
