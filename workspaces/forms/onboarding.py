"""Forms of onboarding (sign-up, first workspace) and the audit log filters (shape only)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workspaces.forms.accounts import password_rule
from workspaces.models import Workspace


class SignupForm(forms.Form):
    """Step 1 of sign-up: name and email (checked by ``signup_request``). No password here: it
    is chosen on the page of the emailed link (``SignupConfirmForm``)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("You sign in with this address. We email you a link to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewAccountForm(forms.Form):
    """A new account's name and password pair (rules checked by the service that saves).

    The page of a sign-up link and the invitation page use it; the email comes from the link.
    """

    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_rule()  # read per form: settings may change

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class SignupConfirmForm(NewAccountForm):
    """Step 2 of sign-up, on the emailed link's page: the name (editable) and the password."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.pop("autofocus", None)  # the name is usually right
        self.fields["password1"].widget.attrs["autofocus"] = True


KIND_HELP = {
    Workspace.Kind.TENANT: _(
        "You run a super app: register host apps, invite merchants as developer workspaces and "
        "review the mini programs they release into your apps."
    ),
    Workspace.Kind.DEVELOPER: _(
        "You build mini programs: upload versions, test them and ask a tenant to release them "
        "into its super apps."
    ),
}


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Workspace name"),
        max_length=80,
        help_text=_(
            "Your company or team, as members and partners will see it. Up to 80 characters."
        ),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Workspace.Kind.choices,
        initial=Workspace.Kind.DEVELOPER,
        widget=forms.RadioSelect,
        help_text=_("This cannot be changed later."),
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The language of emails and pages for members who have not chosen one."),
    )

    def kind_options(self) -> list[dict[str, object]]:
        """Each kind with its explanation, for the radio cards of the page."""
        current = self["kind"].value()
        return [
            {
                "value": value,
                "label": label,
                "help": KIND_HELP[value],
                "checked": current == value,
                "id": f"id_kind_{i}",
            }
            for i, (value, label) in enumerate(Workspace.Kind.choices)
        ]


class AuditFilterForm(forms.Form):
    """The filters above the audit log (GET). Every field is optional.

    ``action`` is a prefix: the select offers each known verb (the registry) and each entity
    (``invitation.`` matches every invitation event); a hand-typed prefix in the URL works too.
    """

    actor = forms.CharField(label=_("Actor"), required=False, max_length=254)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    target = forms.CharField(label=_("Target"), required=False, max_length=200)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, verbs: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for verb in verbs:
            entity = verb.split(".", 1)[0]
            groups.setdefault(entity, []).append((verb, verb))
        choices: list = [("", _("All actions"))]
        for entity, options in groups.items():
            every = (f"{entity}.", _("every %(entity)s.* action") % {"entity": entity})
            choices.append((entity, [every, *options]))
        typed = (self.data.get("action") or "").strip() if self.is_bound else ""
        offered = {value for _group, opts in choices[1:] for value, _label in opts}
        if typed and typed not in offered:
            choices.append((typed, typed))  # keep a hand-typed prefix visible and selected
        self.fields["action"].widget = forms.Select(choices=choices)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, object]:
        """The valid filters as ``audit_event_list`` keyword arguments (invalid ones ignored)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {
            "actor": (data.get("actor") or "").strip(),
            "verb": (data.get("action") or "").strip(),
            "target": (data.get("target") or "").strip(),
            "since": data.get("since"),
            "until": data.get("until") if "until" not in self.errors else None,
        }
