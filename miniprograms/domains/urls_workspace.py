"""Tenant pages: who may edit server domains and WAP URLs, and approved skips of domain
verification (namespace ``development``; the tenant's Settings tab)."""

from django.urls import path

from miniprograms.domains import views

urlpatterns = [
    path("domains/", views.DomainPolicyView.as_view(), name="domain-policy"),
    path("domains/grants/", views.DomainGrantAddView.as_view(), name="domain-grant-add"),
    path(
        "domains/grants/<int:grant_id>/revoke/",
        views.DomainGrantRevokeView.as_view(),
        name="domain-grant-revoke",
    ),
    path(
        "domains/skips/<int:skip_id>/revoke/",
        views.DomainSkipRevokeView.as_view(),
        name="domain-skip-revoke",
    ),
]
