"""Development tab pages: the AppSecret and OAuth settings (``…/development/keys/``)."""

from django.urls import path

from miniprograms.secrets import views

urlpatterns = [
    path("", views.KeysView.as_view(), name="dev-keys"),
    path("generate/", views.KeysGenerateView.as_view(), name="dev-keys-generate"),
    path("reset/", views.KeysResetView.as_view(), name="dev-keys-reset"),
    path("freeze/", views.KeysFreezeView.as_view(), name="dev-keys-freeze"),
    path("unfreeze/", views.KeysUnfreezeView.as_view(), name="dev-keys-unfreeze"),
    path("oauth/", views.KeysOAuthSettingsView.as_view(), name="dev-keys-oauth"),
]
