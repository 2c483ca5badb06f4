"""Profile languages and the device-language fallback (miniprograms/languages.py, profile.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from miniprograms import languages
from miniprograms.languages import canonical, label, resolve_language
from miniprograms.profile import localized

# A mini program written in English (its default) plus two Chinese scripts and Portuguese.
AVAILABLE = ("zh-Hans", "zh-Hant", "pt", "ja")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("ja", "ja"),  # exact
        ("en", "en"),  # the default itself
        ("JA", "ja"),  # case-insensitive
        ("ZH-hans", "zh-Hans"),
        ("zh_Hant", "zh-Hant"),  # underscores as Android and Java send them
        ("zh-CN", "zh-Hans"),  # region aliases of Chinese
        ("zh-SG", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-MO", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),  # subtags dropped from the end
        ("zh-Hans-CN", "zh-Hans"),
        ("pt-BR", "pt"),
        ("pt-PT", "pt"),
        ("ja-JP-u-ca-japanese", "ja"),
        ("en-US", "en"),
        ("fr", "en"),  # unknown here: the default
        ("xx-YY", "en"),
        ("", "en"),  # nothing asked: the default
        ("   ", "en"),
        ("-", "en"),
    ],
)
def test_resolve_language_falls_back_step_by_step(requested, expected):
    assert resolve_language(requested, available=AVAILABLE, default="en") == expected


def test_a_missing_request_gets_the_default():
    assert resolve_language(None, available=AVAILABLE, default="en") == "en"  # type: ignore[arg-type]


def test_same_primary_subtag_is_the_last_resort_before_the_default():
    # Only Traditional Chinese written: a device in Simplified Chinese still reads Chinese.
    assert resolve_language("zh-CN", available=["zh-Hant"], default="en") == "zh-Hant"
    assert resolve_language("zh", available=["zh-Hant"], default="en") == "zh-Hant"
    assert resolve_language("zh-SG", available=["zh-Hant"], default="en") == "zh-Hant"
    # Both scripts written and no region given: a stable choice (the first by code).
    assert resolve_language("zh", available=["zh-Hant", "zh-Hans"], default="en") == "zh-Hans"


def test_the_default_language_wins_over_an_extra_one_of_the_same_primary_subtag():
    assert resolve_language("zh-HK", available=["en"], default="zh-Hans") == "zh-Hans"
    assert resolve_language("zh-HK", available=["en", "zh-Hant"], default="zh-Hans") == "zh-Hant"


def test_legacy_codes_sent_by_old_devices_resolve():
    assert resolve_language("in-ID", available=["id"], default="en") == "id"
    assert resolve_language("tl", available=["fil"], default="en") == "fil"


def test_the_answer_keeps_the_spelling_of_the_available_code():
    assert resolve_language("ZH-HANT", available=["zh-Hant"], default="en") == "zh-Hant"


@given(st.text(max_size=20), st.lists(st.sampled_from(languages.CODES), max_size=5))
def test_the_answer_is_always_an_available_language_or_the_default(requested, available):
    answer = resolve_language(requested, available=available, default="en")
    assert answer in {*available, "en"}


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("zh-Hans", "zh-Hans"),
        ("ZH_hans", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-tw", "zh-Hant"),
        (" pt ", "pt"),
        ("in", "id"),
        ("pt-BR", None),
        ("xx", None),
        ("", None),
    ],
)
def test_canonical_maps_a_tag_to_a_supported_code(tag, code):
    assert canonical(tag) == code


def test_labels_and_choices():
    assert label("zh-Hans") == "Chinese (Simplified)"
    assert label("xx") == "xx"
    assert ("zh-Hant", "Chinese (Traditional) · 繁體中文") in languages.CHOICES
    assert len(set(languages.CODES)) == len(languages.CODES) == len(languages.CHOICES)


# --- profile.localized: what a device is shown --------------------------------------------

PROFILE = {
    "default_language": "en",
    "name": "Coffee Corner",
    "tagline": "Order ahead, skip the line",
    "description": "Order coffee and pastries ahead and pick them up without waiting.",
    "languages": {
        "zh-Hans": {"name": "咖啡角", "tagline": "提前点单，无需排队", "description": "提前点咖啡"},
        "ja": {"name": "コーヒー", "tagline": "事前注文で待たずに", "description": "事前に注文"},
    },
}


def test_localized_uses_the_matching_extra_language():
    assert localized(PROFILE, "zh-CN") == {
        "language": "zh-Hans",
        "name": "咖啡角",
        "tagline": "提前点单，无需排队",
        "description": "提前点咖啡",
    }
    assert localized(PROFILE, "ja-JP")["name"] == "コーヒー"


def test_localized_falls_back_to_the_default_language():
    for requested in ("fr-FR", "", "en-GB", "ko"):
        assert localized(PROFILE, requested) == {
            "language": "en",
            "name": "Coffee Corner",
            "tagline": "Order ahead, skip the line",
            "description": PROFILE["description"],
        }


def test_localized_reads_chinese_in_the_other_script_rather_than_english():
    assert localized(PROFILE, "zh-TW")["language"] == "zh-Hans"


def test_localized_when_the_default_is_not_english():
    profile = {
        "default_language": "zh-Hans",
        "name": "咖啡角",
        "tagline": "提前点单",
        "description": "提前点咖啡",
        "languages": {"en": {"name": "Coffee Corner", "tagline": "t", "description": "d"}},
    }
    assert localized(profile, "zh-HK") == {
        "language": "zh-Hans",
        "name": "咖啡角",
        "tagline": "提前点单",
        "description": "提前点咖啡",
    }
    assert localized(profile, "en-US")["name"] == "Coffee Corner"
    assert localized(profile, "de")["language"] == "zh-Hans"


def test_localized_of_a_profile_without_languages_or_default():
    bare = {"name": "Acme", "tagline": "t", "description": "d"}
    assert localized(bare, "ja") == {
        "language": "en",
        "name": "Acme",
        "tagline": "t",
        "description": "d",
    }
