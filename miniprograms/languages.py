"""Languages a mini program's profile can be written in, and the device-language fallback.

Tags are BCP 47 (``zh-Hans``, ``pt-BR``). A device asks in its own language; the profile it gets
is chosen by :func:`resolve_language`: the exact tag, then the tag with its last subtag dropped,
repeatedly (``zh-Hant-HK`` → ``zh-Hant`` → ``zh``), with the usual Chinese region aliases
(``zh-CN``/``zh-SG`` are Simplified, ``zh-TW``/``zh-HK``/``zh-MO`` Traditional), then any
language written with the same primary subtag, and finally the mini program's default language
when nothing matches.
"""

from __future__ import annotations

from collections.abc import Iterable

# (tag, English name, native name): the languages super apps in our markets ship in.
LANGUAGES: tuple[tuple[str, str, str], ...] = (
    ("en", "English", "English"),
    ("zh-Hans", "Chinese (Simplified)", "简体中文"),
    ("zh-Hant", "Chinese (Traditional)", "繁體中文"),
    ("ja", "Japanese", "日本語"),
    ("ko", "Korean", "한국어"),
    ("id", "Indonesian", "Bahasa Indonesia"),
    ("ms", "Malay", "Bahasa Melayu"),
    ("th", "Thai", "ไทย"),
    ("vi", "Vietnamese", "Tiếng Việt"),
    ("fil", "Filipino", "Filipino"),
    ("hi", "Hindi", "हिन्दी"),
    ("bn", "Bengali", "বাংলা"),
    ("ur", "Urdu", "اردو"),
    ("ar", "Arabic", "العربية"),
    ("tr", "Turkish", "Türkçe"),
    ("ru", "Russian", "Русский"),
    ("es", "Spanish", "Español"),
    ("pt", "Portuguese", "Português"),
    ("fr", "French", "Français"),
    ("de", "German", "Deutsch"),
    ("it", "Italian", "Italiano"),
)

CODES: tuple[str, ...] = tuple(code for code, _en, _native in LANGUAGES)
CHOICES: list[tuple[str, str]] = [(code, f"{en} · {native}") for code, en, native in LANGUAGES]
_BY_LOWER = {code.lower(): code for code in CODES}

# Region tags whose script is implied (what devices usually send for Chinese).
ALIASES: dict[str, str] = {
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-my": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "in": "id",  # Java's legacy code for Indonesian, still sent by old Android devices
    "tl": "fil",
}


def label(code: str) -> str:
    """``"zh-Hans"`` → ``"Chinese (Simplified)"`` (the code itself when unknown)."""
    return next((en for c, en, _native in LANGUAGES if c == code), code)


def canonical(tag: str) -> str | None:
    """The supported code for ``tag`` (any case, ``_`` or ``-``), or ``None``."""
    key = (tag or "").strip().replace("_", "-").lower()
    return _BY_LOWER.get(key) or ALIASES.get(key)


def resolve_language(requested: str, *, available: Iterable[str], default: str) -> str:
    """The profile language to show a device asking for ``requested``.

    ``available`` are the mini program's languages (the default included or not); the answer is
    always one of them or ``default``.
    """
    have = {code.lower(): code for code in available}
    have.setdefault(default.lower(), default)
    parts = (requested or "").strip().replace("_", "-").split("-")
    while parts and parts[0]:
        key = "-".join(parts).lower()
        for candidate in (key, (ALIASES.get(key) or "").lower()):
            if candidate and candidate in have:
                return have[candidate]
        parts.pop()
    # Same language, other script or region ("zh" or "zh-SG" with only zh-Hant written).
    primary = (requested or "").strip().replace("_", "-").split("-")[0].lower()
    if primary:
        same = sorted(code for key, code in have.items() if key.split("-")[0] == primary)
        if same:
            return same[0]
    return default
