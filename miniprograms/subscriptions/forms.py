"""Forms of the message template pages: the library's filters and add form, and the keyword
picker of a My Template. Rules are the services'; these parse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from miniprograms.subscriptions.models import PublicTemplate
from miniprograms.subscriptions.services import CATEGORY_MAX, TITLE_MAX


class LibraryFilterForm(forms.Form):
    """The GET filters above a library; unknown values fall back to "all"."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Template name")}),
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=(("", _("All")), *PublicTemplate.Kind.choices)
    )
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All")), *((c, c) for c in categories)]

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "category": data.get("category") or "",
        }


class PublicTemplateForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("Up to 40 characters, unique in your library."),
    )
    category = forms.CharField(
        label=_("Category"), max_length=CATEGORY_MAX, help_text=_("Orders, Travel, Medical…")
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=PublicTemplate.Kind.choices,
        widget=forms.RadioSelect,
        initial=PublicTemplate.Kind.ONE_TIME,
        help_text=_(
            "One-time: one message per subscription. Long-term: for public services (government, "
            "transport, medical, finance, education), up to 5 messages a day."
        ),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One per line: 5 to 15 keywords of up to 20 characters, none twice."),
    )

    def keyword_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["keywords"].splitlines() if line.strip()]


class KeywordPickForm(forms.Form):
    """The chosen keywords of one public template, in the order they were submitted (the page
    lists the chosen ones first, in order, so the checkboxes' order is the template's)."""

    keywords = forms.MultipleChoiceField(
        label=_("Keywords"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, template: PublicTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keywords"].choices = [(k, k) for k in template.keywords]

    def chosen(self) -> list[str]:
        """What was ticked, in order, repeats kept (the service names them)."""
        return [k for k in self.data.getlist("keywords") if k] if self.is_bound else []
