"""Mini program pages: ``/w/<workspace_slug>/miniprograms/…`` (STYLE.md §6: thin views).

``pages``: the list, create (plain form and quick-start step 1), the detail page's Overview,
the Settings tab (edit) and the logo; ``actions``: "Release to", shelf, offline from one host
app, delete; ``members``: the Members & testers tab and quick-start step 2; ``all_teams``:
``/miniprograms/``, the user's mini programs across all their teams (no workspace in the URL);
``hosted``: a tenant's "From developers" list (merchant mini programs targeting its host apps,
which every page about one mini program then shows read-only: ``miniprograms.mixins``).

Every page resolves the workspace with ``WorkspaceMixin`` and the mini program with
``access_miniprogram`` (404 when not visible, 403 naming the roles when visible without the
capability), then calls one selector or service. Services check capabilities again.
"""
