from django.apps import AppConfig


class MiniprogramsConfig(AppConfig):
    name = "miniprograms"
    verbose_name = "Mini programs"

    def ready(self) -> None:
        from django.urls import register_converter

        from miniprograms.converters import AppIdConverter

        # ``<appid:app_id>`` in URL patterns: registered once, before any URLconf is loaded.
        register_converter(AppIdConverter, "appid")

        from miniprograms import audit

        # How the audit log words this app's events.
        audit.register()

        from miniprograms.selectors import WorkspaceReads
        from miniprograms.services.members import miniprogram_developers_assign_invited
        from workspaces.extensions import register_assignables, register_invitation_accepted

        # Member and invitation pages name the mini programs a Developer works on.
        register_assignables(WorkspaceReads())

        # An invited Developer is assigned the invitation's mini programs when they accept.
        register_invitation_accepted("miniprograms", miniprogram_developers_assign_invited)
