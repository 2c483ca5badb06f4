"""``/oauth/v1/…``: the AppSecret/OAuth endpoints (namespace ``oauth``)."""

app_name = "oauth"

urlpatterns: list = []
