"""Input shapes of the version pages (STYLE.md §3: no saving, no permissions).

The rules — version number format and order, package size, notes length, the trial's page and
query — are the services' (``releases.services.versions`` and ``.trial``); their
``ValidationError`` comes back onto these forms by field, in the same words the API answers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from releases.models import ReleaseTarget, Version
from releases.package.versioning import parse_version
from releases.release.services import NOTES_MAX as RELEASE_NOTES_MAX
from releases.serializers import MISSING_PACKAGE
from releases.services.trial import QUERY_MAX, version_pages
from releases.services.versions import NOTES_MAX, UPLOAD_LIMIT
from workspaces.models import HostApp

FIRST_VERSION = "1.0.0"  # what the first upload of a mini program is offered


class UploadForm(forms.Form):
    """Version number, notes and the package (streamed by ``releases.package.uploads``)."""

    version = forms.CharField(
        label=_("Version"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono", "size": 16}
        ),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed, for your team and the reviewers; up to 1,000 characters."),
    )
    package = forms.FileField(
        label=_("Package"),
        error_messages={"required": MISSING_PACKAGE, "empty": _("The package is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    field_order = ["package", "version", "notes"]

    def __init__(self, *args: Any, highest: str | None = None, **kwargs: Any) -> None:
        # The suggestion: 1.0.0 for the first upload, else the next patch after the highest
        # version ever uploaded (the help text says so; any greater number is accepted).
        suggested = FIRST_VERSION if highest is None else str(parse_version(highest).next_patch())
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", suggested)
        super().__init__(*args, **kwargs)
        self.highest = highest
        self.suggested = suggested
        rule = gettext("MAJOR.MINOR.PATCH, e.g. 1.4.0.")
        if highest:
            rule += " " + gettext(
                "It must be greater than %(highest)s, the highest version ever uploaded for this "
                "mini program."
            ) % {"highest": highest}
            rule += " " + gettext(
                "Suggested: %(suggested)s, the next patch; raise MINOR or MAJOR for bigger changes."
            ) % {"suggested": suggested}
        else:
            rule += " " + gettext(
                "Suggested: %(suggested)s, as this is the first version of this mini program."
            ) % {"suggested": suggested}
        self.fields["version"].help_text = rule
        limit_mb = UPLOAD_LIMIT // (1024 * 1024)
        self.fields["package"].help_text = gettext(
            "The .zip the IDE or the CLI builds, with app.json at its root. Under %(limit)s MB; "
            "from 8 MB it is accepted with a warning. Keep the main package and each "
            "subpackage within 2 MB."
        ) % {"limit": limit_mb}


class TrialForm(forms.Form):
    """The trial version: a ready version, one of its pages, an optional query."""

    version = forms.ChoiceField(label=_("Version"))
    page_path = forms.ChoiceField(
        label=_("Page to open"),
        help_text=_("A page of the chosen version, as its app.json lists it."),
    )
    query = forms.CharField(
        label=_("Query"),
        required=False,
        max_length=QUERY_MAX,
        widget=forms.TextInput(attrs={"placeholder": "a=1&b=2", "spellcheck": "false"}),
        help_text=_("Passed to the page, like a=1&b=2; up to 200 characters."),
    )

    def __init__(self, *args: Any, versions: list[Version], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {v.number: v for v in versions}
        self.fields["version"].choices = [(v.number, v.number) for v in versions]
        # Every ready version's pages, grouped by version: without JavaScript the select still
        # offers them all (the service says when a page is not the chosen version's); the
        # script shows only the chosen version's group.
        self.fields["page_path"].choices = [
            (v.number, [(page, page) for page in version_pages(v)]) for v in versions
        ]

    def chosen_version(self) -> Version:
        return self.versions[self.cleaned_data["version"]]


class DiffForm(forms.Form):
    """The select of which version to compare with (the one before by default). It only
    offers the choice: the view resolves it with ``selectors.version_diff_base``, the API's rule
    too, so a name the select does not offer is refused with the API's sentence."""

    against = forms.ChoiceField(label=_("Compare with"), required=False)

    def __init__(self, *args: Any, numbers: list[str], current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["against"].choices = [("", gettext("The version before"))] + [
            (n, n) for n in numbers if n != current
        ]


def refuse_package(form: UploadForm, message: str) -> UploadForm:
    """The stream was refused at the size limit: that is the one problem to show (the rest of
    the body was never read, so the other fields' errors would only mislead)."""
    form.errors.clear()
    form.add_error("package", message)
    return form


class _ChoiceGroup:
    """A radio or checkbox group whose ``id_for_label`` names the group (its fieldset), so the
    error summary's link jumps to it (Django's answers "" for a whole group)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        if index is None:
            return id_
        return super().id_for_label(id_, index)  # type: ignore[misc]


class _Radios(_ChoiceGroup, forms.RadioSelect):
    pass


class _Checkboxes(_ChoiceGroup, forms.CheckboxSelectMultiple):
    pass


class SubmitForm(forms.Form):
    """Submit a ready version for release: one environment, some of the mini program's active
    host apps, notes for the reviewers. The rules (ready, active host apps, a target without a
    release in progress, 1,000 characters of notes) are ``release_submit``'s; its refusals come
    back here by field."""

    environment = forms.ChoiceField(
        label=_("Environment"),
        choices=ReleaseTarget.Environment.choices,
        widget=_Radios,
        error_messages={"required": _("Choose the environment to release to.")},
    )
    host_app_ids = forms.TypedMultipleChoiceField(
        label=_("Host apps"),
        coerce=int,
        widget=_Checkboxes,
        error_messages={"required": _("Choose at least one host app to release to.")},
    )
    notes = forms.CharField(
        label=_("Notes for the reviewers"),
        required=False,
        # No max_length here: the service counts the cleaned text and says so in its words.
        widget=forms.Textarea(
            attrs={"rows": 4, "maxlength": RELEASE_NOTES_MAX, "data-counter": "chars"}
        ),
        help_text=_("What changed and what to check; up to 1,000 characters."),
    )

    def __init__(self, *args: Any, host_apps: list[HostApp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        host_app_field = self.fields["host_app_ids"]
        assert isinstance(host_app_field, forms.TypedMultipleChoiceField)
        host_app_field.choices = [(app.pk, app.name) for app in host_apps]
        self.fields["notes"].widget.attrs["data-max"] = RELEASE_NOTES_MAX
