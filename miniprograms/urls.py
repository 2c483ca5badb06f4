"""Mini program pages: ``/w/<workspace_slug>/miniprograms/…`` (namespace ``miniprograms``)."""

from django.urls import path  # noqa: F401

app_name = "miniprograms"

urlpatterns: list = []
