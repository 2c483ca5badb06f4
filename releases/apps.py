from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "Versions and releases"

    def ready(self) -> None:
        from django.urls import register_converter

        from releases.converters import SemverConverter

        # ``<semver:number>`` in URL patterns: registered once, before any URLconf is loaded.
        register_converter(SemverConverter, "semver")

        from releases import audit

        # How the audit log words this app's events.
        audit.register()

        from miniprograms.extensions import register_overview_context
        from releases.selectors import version_newest

        # The mini program's Overview shows the newest ready version, and offers the first
        # upload while there is no version at all (two queries).
        register_overview_context(
            "releases",
            lambda mp: {
                "ready_version": version_newest(miniprogram=mp, ready=True),
                "newest_version": version_newest(miniprogram=mp),
            },
        )

        from miniprograms.extensions import register_version_numbers

        # Per-version settings (server domains) name the versions, newest first (one query).
        register_version_numbers(lambda mp: list(mp.versions.values_list("number", flat=True)))

        from releases.release.selectors import release_summary

        # Its "Online version" and "Last released", from the releases (one query).
        register_overview_context(
            "releases.summary", lambda mp: {"release_summary": release_summary(miniprogram=mp)}
        )

        from releases.release.services import REVIEW_KIND, release_review_decided
        from releases.review.detail import review_detail
        from workspaces.extensions import register_approval_kind

        # A production release waits for the review of the tenant that owns the host app; the
        # decision moves the release (inside the deciding transaction). The request page shows
        # the version, its reports, the diff and the reviewer's preview (``review_detail``).
        register_approval_kind(
            REVIEW_KIND,
            label="Release review",
            on_decided=release_review_decided,
            detail=review_detail,
        )

        from miniprograms.extensions import register_take_offline
        from releases.release.services import release_cancel_offline

        # Taking a mini program offline from a host app cancels its reviews and approved,
        # unpublished releases there first (in the same transaction).
        register_take_offline("releases", release_cancel_offline)

        from releases.grayscale.services import grayscale_end_offline

        # Taking it offline from a host app also ends its grayscale tasks there.
        register_take_offline("releases.grayscale", grayscale_end_offline)

        from releases.runtime import invalidation

        # The runtime API's snapshot: every write it reads moves the runtime revision.
        invalidation.connect()

        from releases.runtime.signing import host_app_panel
        from workspaces.extensions import register_host_app_panel

        # The host app page shows the runtime endpoint and the key answers are signed with.
        register_host_app_panel("releases.runtime", host_app_panel)
