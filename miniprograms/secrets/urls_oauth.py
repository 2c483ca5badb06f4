"""``/oauth/v1/…``: the AppSecret/OAuth endpoints (namespace ``oauth``)."""

from django.urls import path

from miniprograms.secrets import views_oauth

app_name = "oauth"

urlpatterns = [
    path("auth-codes", views_oauth.auth_codes, name="auth-codes"),
    path("token", views_oauth.token, name="token"),
    path("userinfo", views_oauth.userinfo, name="userinfo"),
]
