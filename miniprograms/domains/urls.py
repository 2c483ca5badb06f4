"""Development tab pages: server domains and WAP URLs (``…/development/domains/``)."""

from django.urls import path

from miniprograms.domains import views

urlpatterns = [
    path("", views.DomainsView.as_view(), name="dev-domains"),
    path("global/", views.DomainsEditView.as_view(), name="dev-domains-global"),
    path("versions/<str:version>/", views.DomainsEditView.as_view(), name="dev-domains-version"),
    path("restriction/", views.DomainsRestrictionView.as_view(), name="dev-domains-restriction"),
    path("skip/", views.DomainsSkipApplyView.as_view(), name="dev-domains-skip"),
]
