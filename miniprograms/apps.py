from django.apps import AppConfig


class MiniprogramsConfig(AppConfig):
    name = "miniprograms"
    verbose_name = "Mini programs"

    def ready(self) -> None:
        from django.urls import register_converter

        from miniprograms.converters import AppIdConverter

        # ``<appid:app_id>`` in URL patterns: registered once, before any URLconf is loaded.
        register_converter(AppIdConverter, "appid")

        from miniprograms.services.members import miniprogram_developers_assign_invited
        from workspaces.extensions import register_invitation_accepted

        # An invited Developer is assigned the invitation's mini programs when they accept.
        register_invitation_accepted("miniprograms", miniprogram_developers_assign_invited)
