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

        from miniprograms.jsapis import approvals as jsapi_approvals
        from miniprograms.jsapis import audit as jsapi_audit

        # JSAPI applications are decided by the host app's tenant in the approvals hub
        # (kind "jsapi_access"); the catalogue's events have their own words in the audit log.
        jsapi_approvals.register()
        jsapi_audit.register()

        from miniprograms.extensions import register_take_offline
        from miniprograms.jsapis.services import jsapi_applications_cancel_offline

        # Taking a mini program offline from a host app cancels its JSAPI applications waiting
        # there (approved ones stay, for when it is released there again).
        register_take_offline("miniprograms.jsapis", jsapi_applications_cancel_offline)

        from miniprograms.domains import audit as domains_audit
        from miniprograms.domains.approvals import domain_policy_tab, domain_skip_detail
        from miniprograms.domains.selectors import SKIP_KIND
        from miniprograms.domains.services import domain_skip_decided
        from workspaces.extensions import register_approval_kind, register_settings_tab

        # Server domains: the audit log's words, the tenant's Settings tab (who may edit their
        # lists), and "skip domain verification" requests, decided by the host app's tenant in
        # the approvals hub.
        domains_audit.register()
        register_settings_tab("miniprograms.domains", domain_policy_tab)
        register_approval_kind(
            SKIP_KIND,
            label="Skip domain verification",
            on_decided=domain_skip_decided,
            detail=domain_skip_detail,
        )

        from miniprograms.envvars import audit as envvars_audit
        from miniprograms.secrets import audit as secrets_audit

        # Environment variables and the AppSecret: how the audit log words their events.
        envvars_audit.register()
        secrets_audit.register()

        from miniprograms.subscriptions import audit as subscriptions_audit
        from miniprograms.subscriptions.views_endpoints import message_delivery_tab

        # Message templates (subscription messages): how the audit log words their events; the
        # tenant's Settings tab "Message delivery" (each host app's message endpoint).
        subscriptions_audit.register()
        register_settings_tab("miniprograms.subscriptions", message_delivery_tab)
