"""The Subscription messages tab (``…/miniprograms/<app_id>/subscriptions/``, names
``subscriptions…`` in the ``miniprograms`` namespace)."""

from django.urls import path

from miniprograms.subscriptions import views, views_messages

urlpatterns = [
    path("", views.MyTemplateListView.as_view(), name="subscriptions"),
    path("sending/", views_messages.SendingView.as_view(), name="subscriptions-sending"),
    path("log/", views_messages.MessageLogView.as_view(), name="subscriptions-log"),
    path("add/", views.MyTemplateChooseView.as_view(), name="subscriptions-choose"),
    path(
        "add/<int:public_template_id>/",
        views.MyTemplateAddView.as_view(),
        name="subscriptions-add",
    ),
    path("<str:template_id>/edit/", views.MyTemplateEditView.as_view(), name="subscriptions-edit"),
    path(
        "<str:template_id>/delete/",
        views.MyTemplateDeleteView.as_view(),
        name="subscriptions-delete",
    ),
]
