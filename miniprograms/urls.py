"""Mini program pages: ``/w/<workspace_slug>/miniprograms/…`` (namespace ``miniprograms``)."""

from django.urls import include, path

from miniprograms.views import actions, hosted, members, pages

app_name = "miniprograms"

urlpatterns = [
    path("", pages.MiniProgramListView.as_view(), name="list"),
    path("from-developers/", hosted.HostedListView.as_view(), name="hosted"),
    path("new/", pages.MiniProgramCreateView.as_view(), name="create"),
    path("quick-start/", pages.WizardBasicsView.as_view(), name="wizard"),
    path("logo-held/<str:token>/", pages.HeldLogoView.as_view(), name="logo-held"),
    path(
        "quick-start/<appid:app_id>/members/",
        members.WizardMembersView.as_view(),
        name="wizard-members",
    ),
    path("<appid:app_id>/", pages.MiniProgramDetailView.as_view(), name="detail"),
    path("<appid:app_id>/edit/", pages.MiniProgramEditView.as_view(), name="edit"),
    path("<appid:app_id>/logo/", pages.MiniProgramLogoView.as_view(), name="logo"),
    path("<appid:app_id>/host-apps/", actions.HostAppsView.as_view(), name="host-apps"),
    path(
        "<appid:app_id>/host-apps/<int:host_app_id>/offline/",
        actions.HostAppOfflineView.as_view(),
        name="host-app-offline",
    ),
    path("<appid:app_id>/shelf/", actions.ShelfView.as_view(), name="shelf"),
    path("<appid:app_id>/delete/", actions.MiniProgramDeleteView.as_view(), name="delete"),
    path("<appid:app_id>/members/", members.MembersView.as_view(), name="members"),
    path(
        "<appid:app_id>/members/assign/",
        members.DeveloperAssignView.as_view(),
        name="developer-assign",
    ),
    path(
        "<appid:app_id>/members/<int:user_id>/unassign/",
        members.DeveloperUnassignView.as_view(),
        name="developer-unassign",
    ),
    path("<appid:app_id>/testers/add/", members.TestersAddView.as_view(), name="testers-add"),
    path(
        "<appid:app_id>/testers/<int:tester_id>/remove/",
        members.TesterRemoveView.as_view(),
        name="tester-remove",
    ),
    # --- the Development tab (issue 12; miniprograms/development/urls.py) ---
    path("<appid:app_id>/development/", include("miniprograms.development.urls")),
    # --- the Subscription messages tab (issue 13; miniprograms/subscriptions/urls.py) ---
    path("<appid:app_id>/subscriptions/", include("miniprograms.subscriptions.urls")),
]
