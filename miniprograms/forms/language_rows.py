"""The profile's extra languages: one row per language (its own name, tagline and
description), in a formset the profile form owns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from miniprograms import languages, validators
from miniprograms.forms.text import add_counters, normalize_newlines
from miniprograms.profile import LanguageText

# Blank extra-language rows a fresh form shows: without JavaScript, that is what one save adds.
LANGUAGE_BLANK_ROWS = 2


class LanguageRowForm(forms.Form):
    """One extra language with its own name, tagline and description. A blank row is ignored."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    name = forms.CharField(label=_("Name"), required=False, strip=False)
    tagline = forms.CharField(label=_("Tagline"), required=False, strip=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    TEXT_FIELDS = ("name", "tagline", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", gettext("Choose a language…")), *languages.CHOICES]
        add_counters(self)

    @property
    def is_filled(self) -> bool:
        """Did the person type anything in this row (the language choice alone counts too)?"""
        if not self.is_bound:
            return False
        keys = ("language", *self.TEXT_FIELDS)
        return any((self.data.get(self.add_prefix(f)) or "").strip() for f in keys)

    def clean_description(self) -> str:
        return normalize_newlines(self.cleaned_data.get("description", ""))

    def clean(self):
        data = super().clean()
        if not self.is_filled:
            return data
        if not data.get("language") and "language" not in self.errors:
            self.add_error("language", gettext("Choose the language of these texts."))
        for field, check in (
            ("name", validators.validate_name),
            ("tagline", validators.validate_tagline),
            ("description", validators.validate_description),
        ):
            if field in self.errors:
                continue
            try:
                check(data.get(field, ""))
            except ValidationError as exc:
                self.add_error(field, exc)
        return data

    def text(self) -> LanguageText:
        data = self.cleaned_data
        return LanguageText(
            language=data["language"],
            name=data["name"],
            tagline=data["tagline"],
            description=data["description"],
        )


class BaseLanguageFormSet(BaseFormSet):
    def __init__(self, *args: Any, default_language: str = "", **kwargs: Any) -> None:
        self.default_language = default_language
        super().__init__(*args, **kwargs)

    def filled_forms(self) -> list[LanguageRowForm]:
        return [form for form in self.forms if form.is_filled]

    def clean(self):
        chosen: list[str] = []
        for form in self.filled_forms():
            code = (form.cleaned_data or {}).get("language")
            if not code:
                continue
            label = languages.label(code)
            if code == self.default_language:
                form.add_error(
                    "language",
                    gettext(
                        "%(language)s is the default language: its texts are the main name, "
                        "tagline and description."
                    )
                    % {"language": label},
                )
            elif code in chosen:
                form.add_error(
                    "language", gettext("%(language)s is listed twice.") % {"language": label}
                )
            chosen.append(code)

    def texts(self) -> tuple[LanguageText, ...]:
        return tuple(form.text() for form in self.filled_forms())


LanguageFormSet = formset_factory(
    LanguageRowForm,
    formset=BaseLanguageFormSet,
    extra=LANGUAGE_BLANK_ROWS,
    max_num=len(languages.CODES) - 1,
    absolute_max=len(languages.CODES) + LANGUAGE_BLANK_ROWS,
    validate_max=True,
)
