"""Tenant pages: domains (namespace ``development``)."""

urlpatterns: list = []
