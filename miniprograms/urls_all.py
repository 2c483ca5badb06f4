"""``/miniprograms/``: the mini programs of all the user's teams (namespace ``miniprograms-all``).

User-scoped, no workspace in the URL; a workspace's own list is ``miniprograms:list``.
"""

from django.urls import path

from miniprograms.views import all_teams

app_name = "miniprograms-all"

urlpatterns = [
    path("", all_teams.AllTeamsListView.as_view(), name="list"),
]
