"""Development tab pages: jsapis."""

urlpatterns: list = []
