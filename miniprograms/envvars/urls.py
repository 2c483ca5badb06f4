"""Development tab pages: environment variables (``…/development/variables/``)."""

from django.urls import path

from miniprograms.envvars import views

urlpatterns = [
    path("", views.VariablesView.as_view(), name="dev-variables"),
    path("<str:environment>/", views.VariablesEditView.as_view(), name="dev-variables-edit"),
]
