"""The profile rules of a mini program (miniprograms/validators.py), one test per rule.

Every message is asserted word for word: the console, the API and the shell show these exact
sentences, and the issue's closing note lists each rule with the test that proves it.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from miniprograms import validators
from miniprograms.tests.factories import logo_upload
from miniprograms.validators import (
    LOGO_MAX_BYTES,
    name_width,
    normalize_text,
    validate_description,
    validate_logo,
    validate_name,
    validate_service_email,
    validate_service_phone,
    validate_tagline,
)

NAME_RULE = (
    "it must be 3–30 units (a Chinese, Japanese or Korean character counts as 2, any other "
    "character as 1)."
)


def message(check, value) -> str:
    """The one message ``check`` refuses ``value`` with."""
    with pytest.raises(ValidationError) as info:
        check(value)
    [text] = info.value.messages
    return text


def code(check, value) -> str:
    with pytest.raises(ValidationError) as info:
        check(value)
    return info.value.error_list[0].code


# --- name width: hand cases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("abc", 3),
        ("Coffee Corner", 13),
        ("咖啡", 4),  # Han
        ("ひらがな", 8),  # Hiragana
        ("カタカナ", 8),  # Katakana
        ("한국어", 6),  # Hangul syllables
        ("Ａ", 2),  # full-width Latin A (U+FF21)
        ("１", 2),  # full-width digit one
        ("ｱ", 1),  # half-width Katakana A (U+FF71)
        ("😀", 1),  # an emoji is not CJK
        ("é", 1),
        ("ㄅ", 2),  # Bopomofo
        ("「」", 4),  # CJK punctuation
        ("𠀀", 2),  # Extension B ideograph (outside the BMP)
        ("Acme 咖啡", 9),
    ],
)
def test_name_width_counts_cjk_as_two_and_everything_else_as_one(text, units):
    assert name_width(text) == units


def test_fifteen_han_characters_are_thirty_units_and_valid():
    name = "咖" * 15
    assert name_width(name) == 30
    validate_name(name)


def test_sixteen_han_characters_are_thirty_two_units_and_refused():
    assert message(validate_name, "咖" * 16) == f"The name is 32 units long; {NAME_RULE}"
    assert code(validate_name, "咖" * 16) == "name_width"


def test_ab_is_too_short_and_abc_is_long_enough():
    assert message(validate_name, "ab") == f"The name is 2 units long; {NAME_RULE}"
    assert message(validate_name, "a") == f"The name is 1 unit long; {NAME_RULE}"
    validate_name("abc")


def test_thirty_ascii_characters_are_valid_and_thirty_one_are_not():
    validate_name("a" * 30)
    assert message(validate_name, "a" * 31) == f"The name is 31 units long; {NAME_RULE}"


def test_one_han_character_is_two_units_and_too_short_with_one_letter_it_is_enough():
    assert message(validate_name, "咖") == f"The name is 2 units long; {NAME_RULE}"
    validate_name("咖a")


def test_a_mixed_name_at_exactly_thirty_units_is_valid_and_one_more_is_not():
    name = "咖啡" * 5 + "a" * 10  # 20 + 10
    assert name_width(name) == 30
    validate_name(name)
    assert message(validate_name, name + "a") == f"The name is 31 units long; {NAME_RULE}"


def test_an_empty_or_blank_name_is_required():
    assert message(validate_name, "") == "Enter a name."
    assert message(validate_name, "   ") == "Enter a name."
    assert code(validate_name, None) == "required"


def test_names_are_measured_after_nfc_normalisation_and_trimming():
    decomposed = "Cafe\u0301"  # "e" + combining acute accent: five code points
    assert len(decomposed) == 5
    assert normalize_text(decomposed) == "Café"
    assert name_width(decomposed) == 4
    # Conjoining Hangul jamo compose to one syllable: 2 units, not 4.
    assert name_width("\u1100\u1161") == 2 == name_width("가")
    assert name_width("  abc  ") == 3
    # "a" + a combining acute accent is one character, "á", after NFC.
    assert name_width("a\u0301b") == 2


@pytest.mark.parametrize(
    ("char", "code_point"),
    [
        ("\x00", "U+0000"),
        ("\n", "U+000A"),
        ("\t", "U+0009"),
        ("\x7f", "U+007F"),
        ("\u200b", "U+200B"),  # zero-width space (format character)
        ("\u202e", "U+202E"),  # right-to-left override: spoofs how the name reads
        ("\u2028", "U+2028"),  # line separator
    ],
)
def test_control_and_format_characters_are_refused_in_a_name(char, code_point):
    refusal = message(validate_name, f"Coffee{char}Corner")
    assert refusal.startswith("The name contains ")  # the display-text rule (console/text.py)
    assert f"({code_point}" in refusal and refusal.endswith("); remove it.")
    assert code(validate_name, f"Coffee{char}Corner") == "control_character"


# --- name width: properties (hypothesis) ----------------------------------------------------

# Alphabets whose characters NFC leaves alone (no combining marks), with their width.
ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)  # printable, no space
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
HIRAGANA = st.characters(min_codepoint=0x3041, max_codepoint=0x3096)
KATAKANA = st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA)
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
HALF_WIDTH_KATAKANA = st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9D)
EMOJI = st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F)

WIDE = st.one_of(HAN, HIRAGANA, KATAKANA, HANGUL, FULL_WIDTH)
NARROW = st.one_of(ASCII, HALF_WIDTH_KATAKANA, EMOJI)
# A character with the width the rule gives it, decided by the alphabet it was drawn from:
# an oracle independent of the ranges in validators.py.
WEIGHTED = st.one_of(WIDE.map(lambda c: (c, 2)), NARROW.map(lambda c: (c, 1)))


@given(st.text(alphabet=ASCII))
def test_width_of_ascii_text_is_its_length(text):
    assert name_width(text) == len(text)


@given(st.text(alphabet=HAN))
def test_width_of_han_text_is_twice_its_length(text):
    assert name_width(text) == 2 * len(text)


@given(st.text(alphabet=st.one_of(WIDE, NARROW)), st.text(alphabet=st.one_of(WIDE, NARROW)))
def test_width_is_additive_over_concatenation(left, right):
    assert name_width(left + right) == name_width(left) + name_width(right)


@given(st.text())
def test_width_lies_between_the_length_and_twice_the_length(text):
    length = len(normalize_text(text))
    assert length <= name_width(text) <= 2 * length


@given(st.lists(WEIGHTED, max_size=24))
def test_a_name_is_valid_exactly_when_its_width_is_3_to_30(weighted):
    name = "".join(char for char, _units in weighted)
    units = sum(units for _char, units in weighted)
    assert name_width(name) == units
    if 3 <= units <= 30:
        validate_name(name)
    else:
        expected = "Enter a name." if not name else f"The name is {units} unit"
        assert message(validate_name, name).startswith(expected)


@given(st.text(alphabet=st.one_of(WIDE, NARROW), min_size=1))
def test_normalisation_is_idempotent_for_names(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


# --- tagline and description --------------------------------------------------------------


def test_tagline_is_10_to_30_characters():
    assert message(validate_tagline, "x" * 9) == (
        "The tagline is 9 characters long; it must be 10–30 characters."
    )
    validate_tagline("x" * 10)
    validate_tagline("x" * 30)
    assert message(validate_tagline, "x" * 31) == (
        "The tagline is 31 characters long; it must be 10–30 characters."
    )
    assert code(validate_tagline, "x" * 31) == "tagline"


def test_tagline_counts_characters_not_width():
    validate_tagline("咖" * 30)  # 30 characters even though 60 width units
    assert message(validate_tagline, "咖" * 9).startswith("The tagline is 9 characters long")


def test_tagline_is_required_and_refuses_line_breaks():
    assert message(validate_tagline, " ") == "Enter a tagline."
    assert message(validate_tagline, "Order ahead\nskip the line") == (
        "The tagline contains a line break (U+000A); remove it."
    )


def test_description_is_20_to_200_characters():
    assert message(validate_description, "x" * 19) == (
        "The description is 19 characters long; it must be 20–200 characters."
    )
    validate_description("x" * 20)
    validate_description("x" * 200)
    assert message(validate_description, "x" * 201) == (
        "The description is 201 characters long; it must be 20–200 characters."
    )
    assert code(validate_description, "x" * 201) == "description"


def test_description_allows_line_breaks_but_no_other_control_characters():
    validate_description("First paragraph here.\nSecond paragraph.\r\nThird.")
    assert message(validate_description, "Order ahead\tand pick up without waiting.") == (
        "The description contains an invisible or control character (U+0009); remove it."
    )
    assert message(validate_description, "") == "Enter a description."


def test_texts_are_measured_after_trimming():
    validate_tagline("  " + "x" * 10 + "  ")
    assert message(validate_tagline, "   " + "x" * 9 + "   ").startswith("The tagline is 9 ")


# --- customer-service phone and email -------------------------------------------------------

PHONE_RULE = (
    "is not a phone number in the form XXXX-XXXXXXX: a 3–4 digit area code, a hyphen and 7–8 "
    "digits (e.g. 0571-26888888)."
)


@pytest.mark.parametrize(
    "phone", ["0571-26888888", "021-1234567", "021-12345678", "0571-1234567", " 0571-26888888 "]
)
def test_phone_numbers_in_the_landline_form_are_accepted(phone):
    validate_service_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "12-1234567",  # area code too short
        "01234-1234567",  # area code too long
        "0571-123456",  # number too short
        "0571-123456789",  # number too long
        "057126888888",  # no hyphen
        "0571 26888888",  # a space instead of the hyphen
        "0571–26888888",  # an en dash instead of the hyphen
        "+86-57126888888",
        "0571-2688888a",
        "٠٥٧١-٢٦٨٨٨٨٨٨",  # Arabic-Indic digits are digits to \d, not to a phone switch
        "０５７１-２６８８８８８８",  # full-width digits
    ],
)
def test_phone_numbers_in_any_other_form_are_refused(phone):
    assert message(validate_service_phone, phone) == f"“{phone.strip()}” {PHONE_RULE}"
    assert code(validate_service_phone, phone) == "phone_format"


def test_phone_is_required():
    assert message(validate_service_phone, "  ") == "Enter a customer-service phone number."


@pytest.mark.parametrize("email", ["help@coffee.example", "Service.Desk+cn@acme.com.cn"])
def test_valid_email_addresses_are_accepted(email):
    validate_service_email(email)


@pytest.mark.parametrize("email", ["help", "help@", "@coffee.example", "help@coffee", "a b@c.de"])
def test_invalid_email_addresses_are_refused(email):
    assert message(validate_service_email, email) == f"“{email}” is not a valid email address."
    assert code(validate_service_email, email) == "email_format"


def test_email_is_required():
    assert message(validate_service_email, "") == "Enter a customer-service email address."


# --- logo -------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_exact_size(total: int, *, side: int = 128, name: str = "logo.png"):
    """A valid square PNG of exactly ``total`` bytes: noise, then a tEXt chunk as padding."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), bytes(range(256)) * (side * side * 3 // 256)).save(
        buffer, format="PNG"
    )
    base = buffer.getvalue()
    assert base.endswith(_chunk(b"IEND", b""))
    padding = total - len(base) - 12  # one chunk: length, type and CRC are 12 bytes
    assert padding >= 8, "the image is already too large for this total"
    text = _chunk(b"tEXt", b"Comment\x00" + b"x" * (padding - 8))
    data = base[:-12] + text + base[-12:]
    assert len(data) == total
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("PNG", "logo.png"), ("JPEG", "logo.jpg"), ("JPEG", "logo.jpeg"), ("PNG", "LOGO.PNG")],
)
def test_a_square_png_or_jpeg_logo_is_accepted(fmt, name):
    info = validate_logo(logo_upload(size=(256, 256), fmt=fmt, name=name))
    assert (info.format, info.width, info.height) == (fmt, 256, 256)


def test_a_logo_of_exactly_256_kb_is_accepted():
    upload = png_of_exact_size(LOGO_MAX_BYTES)
    assert upload.size == 256 * 1024
    assert validate_logo(upload).size == 256 * 1024


def test_a_logo_one_byte_over_256_kb_is_refused():
    upload = png_of_exact_size(LOGO_MAX_BYTES + 1)
    assert upload.size == 256 * 1024 + 1
    assert message(validate_logo, upload) == "The logo is 257 KB; the limit is 256 KB."
    assert code(validate_logo, upload) == "too_large"


def test_a_logo_that_is_not_square_is_refused():
    assert message(validate_logo, logo_upload(size=(120, 100))) == (
        "The logo must be square (1:1); this one is 120×100."
    )


def test_a_logo_smaller_than_48_pixels_is_refused():
    validate_logo(logo_upload(size=(48, 48)))
    assert message(validate_logo, logo_upload(size=(47, 47))) == (
        "The logo must be between 48 and 4096 pixels on each side; this one is 47×47."
    )


def test_a_gif_renamed_to_png_is_refused_by_its_content():
    upload = logo_upload(fmt="GIF", name="logo.png")
    assert message(validate_logo, upload) == "The logo is a GIF image; it must be JPEG or PNG."
    assert code(validate_logo, upload) == "wrong_format"


def test_a_png_named_gif_is_refused_by_its_extension():
    upload = logo_upload(fmt="PNG", name="logo.gif")
    assert message(validate_logo, upload) == (
        "The logo must be a .jpg, .jpeg or .png file; “logo.gif” is not."
    )
    assert code(validate_logo, upload) == "wrong_extension"


def test_a_logo_without_an_extension_is_refused():
    assert message(validate_logo, logo_upload(name="logo")) == (
        "The logo must be a .jpg, .jpeg or .png file; “logo” is not."
    )


def test_a_truncated_png_is_refused():
    data = logo_upload(size=(256, 256), noise=True).read()
    upload = SimpleUploadedFile("logo.png", data[: len(data) // 2])
    assert message(validate_logo, upload) == (
        "The logo is not a readable image: upload a JPEG or PNG file."
    )
    assert code(validate_logo, upload) == "invalid_image"


def test_an_empty_file_is_refused():
    upload = SimpleUploadedFile("logo.png", b"")
    assert message(validate_logo, upload) == (
        "The logo is not a readable image: upload a JPEG or PNG file."
    )


def test_a_decompression_bomb_is_refused_from_its_header():
    # A small file that claims 20000×20000 pixels: Pillow refuses it before decoding.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue())
    assert upload.size < LOGO_MAX_BYTES
    assert message(validate_logo, upload) == (
        "The logo decodes to too many pixels (a decompression bomb?)."
    )
    assert code(validate_logo, upload) == "bomb"


def test_a_square_image_too_large_to_process_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("huge.png", buffer.getvalue())
    assert message(validate_logo, upload) == ("The logo is 5000×5000 pixels: too large to process.")


def test_a_missing_logo_is_required():
    assert message(validate_logo, None) == "Upload a logo."


def test_the_file_is_rewound_after_validation_so_it_can_be_stored():
    upload = logo_upload()
    validate_logo(upload)
    assert upload.tell() == 0


def test_every_profile_field_has_a_help_text_naming_its_rule():
    assert set(validators.HELP) == {
        "name",
        "tagline",
        "description",
        "logo",
        "industry",
        "service_phone",
        "service_email",
    }
    assert "3–30 units" in validators.HELP["name"]
    assert "10–30" in validators.HELP["tagline"]
    assert "20–200" in validators.HELP["description"]
    assert "256 KB" in validators.HELP["logo"]
    assert "XXXX-XXXXXXX" in validators.HELP["service_phone"]
