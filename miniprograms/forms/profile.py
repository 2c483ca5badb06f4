"""The profile form (create, quick start step 1, edit); its extra-language rows are in
``language_rows``, the industry field's suggestions in ``industry`` and "Release to" in
``host_apps``.

Each profile field runs the rule of ``miniprograms.validators`` (the module the services and
the API serializers use), so a person sees every broken rule at once, in the same words the
API answers with. What needs the database (a unique name, an industry that exists, host apps
of this workspace) is decided by the services; their ``ValidationError`` comes back onto the
form through :meth:`ProfileForm.add_service_errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from console.forms import apply_service_errors
from miniprograms import languages, validators
from miniprograms.forms.host_apps import HostAppsForm, host_app_choices
from miniprograms.forms.industry import INDUSTRY_DATALIST_ID, industry_code, industry_options
from miniprograms.forms.language_rows import LanguageFormSet
from miniprograms.forms.logo_hold import logo_held, logo_hold
from miniprograms.forms.text import add_counters, normalize_newlines
from miniprograms.models import MiniProgram
from miniprograms.profile import ProfileInput
from miniprograms.selectors import IndustryGroup
from workspaces.models import HostApp

# Re-exported: "Release to" has its own module; existing imports keep working.
__all__ = ["LOGO_ACCEPT", "REQUIRED_MESSAGES", "HostAppsForm", "ProfileForm", "host_app_choices"]

LOGO_ACCEPT = "image/png,image/jpeg,.png,.jpg,.jpeg"


def _empty_message(check, empty: Any = "") -> str:
    """What a validator says about an empty value ("Enter a name."): the form says the same."""
    try:
        check(empty)
    except ValidationError as exc:
        return exc.messages[0]
    raise AssertionError(f"{check.__name__} accepts an empty value")


# "This field is required." names no field; the rules module's words do.
REQUIRED_MESSAGES = {
    "name": _empty_message(validators.validate_name),
    "tagline": _empty_message(validators.validate_tagline),
    "description": _empty_message(validators.validate_description),
    "logo": _empty_message(validators.validate_logo, None),
    "industry": "Choose an industry from the list.",
    "service_phone": _empty_message(validators.validate_service_phone),
    "service_email": _empty_message(validators.validate_service_email),
}


class ProfileForm(forms.Form):
    """The profile of a mini program: the create form (with default language, logo and
    "Release to") and the edit form (logo optional: the current one is kept).

    The extra languages are a formset owned by the form (``self.languages``), validated and
    rendered with it.
    """

    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=languages.CHOICES,
        help_text=_(
            "The language of the name, tagline and description below. A device whose "
            "language has no texts of its own gets these."
        ),
    )
    name = forms.CharField(label=_("Name"), help_text=validators.HELP["name"])
    tagline = forms.CharField(label=_("Tagline"), help_text=validators.HELP["tagline"])
    description = forms.CharField(
        label=_("Description"),
        help_text=validators.HELP["description"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Not ``required``: a logo held from an earlier submit (``logo_token``) counts as chosen;
    # clean_logo asks for one when creating.
    logo = forms.FileField(
        required=False,
        label=_("Logo"),
        help_text=validators.HELP["logo"],
        widget=forms.FileInput(attrs={"accept": LOGO_ACCEPT}),
    )
    # A searchable text field: the browser suggests from a <datalist> of every leaf's path as
    # the person types (keyboard and screen-reader friendly, no script needed); the form
    # turns the chosen path back into its code.
    industry = forms.CharField(
        label=_("Industry"),
        max_length=200,
        help_text=_(
            "Type to search, e.g. coffee, hotel or bank, and pick the most specific category "
            "from the suggestions."
        ),
        widget=forms.TextInput(
            attrs={"list": INDUSTRY_DATALIST_ID, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    service_phone = forms.CharField(
        label=_("Customer-service phone"),
        help_text=validators.HELP["service_phone"],
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "0571-26888888"}
        ),
    )
    service_email = forms.CharField(
        label=_("Customer-service email"),
        help_text=validators.HELP["service_email"],
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    host_apps = forms.MultipleChoiceField(
        label=_("Release to"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The host apps this mini program will be released into. You can change this later."
        ),
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        industries: Sequence[IndustryGroup],
        host_apps: Sequence[HostApp] | None = None,
        miniprogram: MiniProgram | None = None,
        user_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.miniprogram = miniprogram
        # Whose logo may be held between submits (see logo_hold); ``None``: never held.
        self.user_id = user_id
        self.logo_token = ""
        if miniprogram is not None and data is None:
            kwargs.setdefault("initial", self.initial_for(miniprogram))
        super().__init__(data, files, **kwargs)
        self.industry_options = industry_options(industries)
        for field, message in REQUIRED_MESSAGES.items():
            self.fields[field].error_messages["required"] = message
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        add_counters(self)
        if miniprogram is not None:
            # Editing: the default language is fixed at creation, "Release to" has its own form,
            # and the logo is only replaced when a new file is chosen.
            del self.fields["default_language"]
            del self.fields["host_apps"]
            self.fields["logo"].help_text = gettext(
                "%(rule)s Leave empty to keep the current logo."
            ) % {"rule": validators.HELP["logo"]}
            default_language = miniprogram.default_language
            initial_rows = [
                {
                    "language": row.language,
                    "name": row.name,
                    "tagline": row.tagline,
                    "description": row.description,
                }
                for row in miniprogram.languages.all()
            ]
        else:
            self.fields["host_apps"].choices = host_app_choices(host_apps or [])
            default_language = self._chosen_default_language()
            initial_rows = []
        self.languages = LanguageFormSet(
            data,
            prefix="lang",
            initial=initial_rows if data is None else None,
            default_language=default_language,
        )

    @staticmethod
    def initial_for(mp: MiniProgram) -> dict[str, Any]:
        return {
            "name": mp.name,
            "tagline": mp.tagline,
            "description": mp.description,
            "industry": mp.industry.path if mp.industry_id else "",
            "service_phone": mp.service_phone,
            "service_email": mp.service_email,
        }

    def _chosen_default_language(self) -> str:
        if self.is_bound:
            return languages.canonical(self.data.get(self.add_prefix("default_language")) or "")
        return languages.canonical(str(self.initial.get("default_language") or "")) or ""

    @property
    def is_creating(self) -> bool:
        return self.miniprogram is None

    # Each field keeps its own rule (the service checks them again, with the database).
    def clean_name(self) -> str:
        value = self.cleaned_data["name"]
        validators.validate_name(value)
        return value

    def clean_tagline(self) -> str:
        value = self.cleaned_data["tagline"]
        validators.validate_tagline(value)
        return value

    def clean_description(self) -> str:
        value = normalize_newlines(self.cleaned_data["description"])
        validators.validate_description(value)
        return value

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo:  # a newly chosen file wins over a held one
            validators.validate_logo(logo)
            return logo
        token = str(self.data.get(self.add_prefix("logo_token")) or "").strip()
        if token:
            held = None if self.user_id is None else logo_held(token=token, user_id=self.user_id)
            if held is None:
                raise ValidationError(
                    gettext(
                        "The logo chosen earlier could not be kept (the page was open for more "
                        "than an hour, or was changed): choose the file again."
                    ),
                    code="logo_hold",
                )
            validators.validate_logo(held.as_upload())
            self.logo_token = token
            return held.as_upload()
        if self.is_creating:
            raise ValidationError(REQUIRED_MESSAGES["logo"], code="required")
        return None

    def clean_industry(self) -> str:
        code = industry_code(self.cleaned_data["industry"], self.industry_options)
        if code is None:
            raise ValidationError(
                gettext(
                    "“%(value)s” is not an industry of the list: type part of its name and pick "
                    "one of the suggestions."
                )
                % {"value": self.cleaned_data["industry"][:60]},
                code="industry_unknown",
            )
        return code

    def clean_service_phone(self) -> str:
        value = self.cleaned_data["service_phone"]
        validators.validate_service_phone(value)
        return value.strip()

    def clean_service_email(self) -> str:
        value = self.cleaned_data["service_email"]
        validators.validate_service_email(value)
        return value.strip()

    def is_valid(self) -> bool:
        # Both, always: every error of the page is shown after one submit.
        main = super().is_valid()
        rows = self.languages.is_valid()
        if not (main and rows):
            self.hold_logo()
        return main and rows

    def hold_logo(self) -> None:
        """The page is coming back with problems: keep a logo that passed its own rules, so
        the next submit need not choose it again (``logo_token`` on the page)."""
        if self.user_id is None or self.logo_token or not hasattr(self, "cleaned_data"):
            return
        logo = self.cleaned_data.get("logo")
        if logo:
            self.logo_token = logo_hold(upload=logo, user_id=self.user_id)

    @property
    def logo_needs_rechoosing(self) -> bool:
        """The page came back with problems and a logo must be chosen (again): none is held,
        and browsers do not keep a chosen file."""
        if not self.is_bound or not (self.errors or self.languages.total_error_count()):
            return False
        if self.logo_token:
            return False
        return self.is_creating or bool(self.files.get(self.add_prefix("logo")))

    @property
    def error_count(self) -> int:
        """Problems on the page: the form's and the language rows' (for the summary)."""
        return len(self.errors) + self.languages.total_error_count()

    def profile_input(self) -> ProfileInput:
        data = self.cleaned_data
        return ProfileInput(
            name=data["name"],
            tagline=data["tagline"],
            description=data["description"],
            industry=data["industry"],
            service_phone=data["service_phone"],
            service_email=data["service_email"],
            languages=self.languages.texts(),
        )

    def host_app_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("host_apps") or []]

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service refusal, by field; the extra-language messages go above the language rows."""
        if hasattr(exc, "error_dict") and "languages" in exc.error_dict:
            rest = {k: v for k, v in exc.error_dict.items() if k != "languages"}
            self.languages.non_form_errors().extend(
                m for error in exc.error_dict["languages"] for m in error.messages
            )
            self.add_error(None, gettext("See the problems with the other languages below."))
            if not rest:
                self.hold_logo()
                return
            exc = ValidationError(rest)
        apply_service_errors(self, exc)
        self.hold_logo()
