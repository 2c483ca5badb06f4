"""``console.html.html_format`` answers what ``django.utils.html.format_html`` answers."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from console.html import html_format

VALUES = [
    "plain",
    '<b class="x">Tom & Jerry\'s</b>',
    mark_safe("<em>already safe</em>"),
    SafeString("<i>safe too</i>"),
    gettext_lazy("Copy"),
    42,
    3.5,
    None,
    "",
    "小程序 <script>",
]


def test_the_same_bytes_as_format_html_for_every_kind_of_value():
    for value in VALUES:
        for template in ("<td>{}</td>", '<a title="{0}">{0}</a>'):
            ours, django = html_format(template, value), format_html(template, value)
            assert ours == django and type(ours) is type(django), (value, template)
        named = html_format("<p data-x='{v}'>{v}</p>", v=value)
        assert named == format_html("<p data-x='{v}'>{v}</p>", v=value)


def test_the_answer_is_safe_and_escapes_what_is_not():
    answer = html_format("<td>{}</td>{x}", "<b>", x=mark_safe("<br>"))
    assert answer == "<td>&lt;b&gt;</td><br>"
    assert hasattr(answer, "__html__")
