"""How the audit log words the message templates' events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import register_audit_target_label, register_audit_verbs


def register() -> None:
    register_audit_target_label("miniprograms.publictemplate", lambda template: template.title)
    # A message endpoint is named by its host app (one endpoint per host app).
    register_audit_target_label(
        "miniprograms.messageendpoint", lambda endpoint: endpoint.host_app.name
    )
    register_audit_verbs(
        {
            "message_template.library_seed": _("{actor} set up the message template library"),
            "message_template.create": _("{actor} added the message template {target}"),
            "message_template.retire": _("{actor} retired the message template {target}"),
            "message_template.restore": _("{actor} restored the message template {target}"),
            "my_template.create": _("{actor} added the message template {after_title} to {target}"),
            "my_template.update": _(
                "{actor} changed the keywords of message template {after_template_id} of {target}"
            ),
            "my_template.delete": _(
                "{actor} deleted the message template {before_title} of {target}"
            ),
            "message_endpoint.create": _(
                "{actor} set up the message endpoint of {target}: {after_url}"
            ),
            "message_endpoint.update": _(
                "{actor} changed the message endpoint of {target} to {after_url}"
            ),
            "message_endpoint.turn_on": _("{actor} turned on the message endpoint of {target}"),
            "message_endpoint.turn_off": _("{actor} turned off the message endpoint of {target}"),
            "message_endpoint.rotate_secret": _(
                "{actor} rotated the signing secret of the message endpoint of {target}"
            ),
            "message_endpoint.delete": _("{actor} removed the message endpoint of {target}"),
            "message_endpoint.test": _(
                "{actor} sent a test message to the message endpoint of {target}"
            ),
        }
    )
