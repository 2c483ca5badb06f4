from django.apps import AppConfig


class MiniprogramsConfig(AppConfig):
    name = "miniprograms"
    verbose_name = "Mini programs"

    def ready(self) -> None:
        from django.urls import register_converter

        from miniprograms.converters import AppIdConverter

        # ``<appid:app_id>`` in URL patterns: registered once, before any URLconf is loaded.
        register_converter(AppIdConverter, "appid")
