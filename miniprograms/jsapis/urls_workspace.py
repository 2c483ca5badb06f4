"""Tenant pages: jsapis (namespace ``development``, ``/w/<slug>/development/…``): the JSAPI
catalogue, features, and the access the tenant granted."""

from django.urls import path

from miniprograms.jsapis import views

urlpatterns = [
    path("jsapis/", views.JsapiListView.as_view(), name="jsapis"),
    path("jsapis/<int:jsapi_id>/", views.JsapiDetailView.as_view(), name="jsapi"),
    path("jsapis/<int:jsapi_id>/edit/", views.JsapiEditView.as_view(), name="jsapi-edit"),
    path("jsapi-features/", views.FeatureListView.as_view(), name="jsapi-features"),
    path("jsapi-features/new/", views.FeatureCreateView.as_view(), name="jsapi-feature-create"),
    path(
        "jsapi-features/<int:feature_id>/",
        views.FeatureDetailView.as_view(),
        name="jsapi-feature",
    ),
    path(
        "jsapi-features/<int:feature_id>/edit/",
        views.FeatureEditView.as_view(),
        name="jsapi-feature-edit",
    ),
    path("jsapi-access/", views.AccessListView.as_view(), name="jsapi-access"),
    path(
        "jsapi-access/<int:application_id>/revoke/",
        views.AccessRevokeView.as_view(),
        name="jsapi-access-revoke",
    ),
]
