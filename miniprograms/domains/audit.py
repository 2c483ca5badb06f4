"""How the audit log words server domain and WAP URL events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import EventWords, register_audit_verbs


def _domains_updated(words: EventWords) -> str:
    version = words.after.get("version") or words.before.get("version") or "global"
    if version == "global":
        return gettext("{actor} changed the server domains and WAP URLs of {target}").format(
            actor=words.actor, target=words.target
        )
    return gettext(
        "{actor} changed the server domains and WAP URLs of {target} for version {version}"
    ).format(actor=words.actor, target=words.target, version=version)


def _grant(verb: str):
    def sentence(words: EventWords) -> str:
        data = words.after if verb == "add" else words.before
        if data.get("scope") == "workspace":
            text = (
                gettext("{actor} let every mini program of {target} edit its server domains")
                if verb == "add"
                else gettext(
                    "{actor} stopped every mini program of {target} editing its server domains"
                )
            )
        else:
            text = (
                gettext("{actor} let {target} edit its server domains and WAP URLs")
                if verb == "add"
                else gettext("{actor} stopped {target} editing its server domains and WAP URLs")
            )
        return text.format(actor=words.actor, target=words.target)

    return sentence


def register() -> None:
    register_audit_verbs(
        {
            "miniprogram.domains_update": _domains_updated,
            "miniprogram.domains_restrict": _(
                "{actor} restricted {target} to its server domains and WAP URLs"
            ),
            "miniprogram.domains_unrestrict": _("{actor} let {target} call any domain again"),
            "domain_edit_grant.add": _grant("add"),
            "domain_edit_grant.revoke": _grant("revoke"),
            "miniprogram.domain_skip_revoke": _(
                "{actor} revoked skipping domain verification for {target} in {before_host_app}"
            ),
        }
    )
