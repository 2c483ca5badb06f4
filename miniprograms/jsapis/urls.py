"""Development tab pages: jsapis (``…/miniprograms/<app_id>/development/jsapis/``)."""

from django.urls import path

from miniprograms.jsapis import views

urlpatterns = [
    path("", views.JsapiPermissionsView.as_view(), name="dev-jsapis"),
    path("<int:host_app_id>/apply/", views.JsapiApplyView.as_view(), name="dev-jsapis-apply"),
    path(
        "applications/<int:application_id>/withdraw/",
        views.JsapiWithdrawView.as_view(),
        name="dev-jsapis-withdraw",
    ),
]
