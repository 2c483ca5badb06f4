"""How the audit log words the miniprograms app's events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workspaces.auditlog import EventWords, register_audit_target_label, register_audit_verbs


def _testers_added(words: EventWords) -> str:
    count = int(words.after.get("count") or 0)
    return ngettext(
        "{actor} added {count} tester to {target}",
        "{actor} added {count} testers to {target}",
        count,
    ).format(actor=words.actor, count=count, target=words.target)


def register() -> None:
    register_audit_target_label("miniprograms.miniprogram", lambda mp: mp.name)
    register_audit_verbs(
        {
            "miniprogram.create": _("{actor} created the mini program {target}"),
            "miniprogram.update_profile": _(
                "{actor} edited the profile of {target} (live with the next release)"
            ),
            "miniprogram.release_profile": _("{actor} made the new profile of {target} live"),
            "miniprogram.on_shelf": _("{actor} put {target} on shelf"),
            "miniprogram.off_shelf": _("{actor} took {target} off shelf"),
            "miniprogram.delete": _("{actor} deleted the mini program {target}"),
            "miniprogram.host_app_add": _(
                "{actor} added {target} to the host app {after_host_app}"
            ),
            "miniprogram.host_app_offline": _(
                "{actor} took {target} offline in the host app {after_host_app}"
            ),
            "miniprogram.host_app_online": _(
                "{actor} put {target} back online in the host app {after_host_app}"
            ),
            "miniprogram.developer_assign": _("{actor} assigned {after_user} to {target}"),
            "miniprogram.developer_unassign": _("{actor} unassigned {before_user} from {target}"),
            "miniprogram.testers_add": _testers_added,
            "miniprogram.tester_remove": _(
                "{actor} removed the tester {before_account} from {target}"
            ),
        }
    )
