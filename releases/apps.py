from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "Versions and releases"

    def ready(self) -> None:
        from django.urls import register_converter

        from releases.converters import SemverConverter

        # ``<semver:number>`` in URL patterns: registered once, before any URLconf is loaded.
        register_converter(SemverConverter, "semver")
