"""Tenant pages: jsapis (namespace ``development``)."""

urlpatterns: list = []
