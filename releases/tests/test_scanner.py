"""The package scanner: every refusal is a precise sentence; good packages are measured."""

from __future__ import annotations

import io

import pytest

from releases.package.scanner import Limits, PackageRejected, scan_package
from releases.tests.packages import (
    DEFAULT_FILES,
    bomb_zip,
    corrupt_zip,
    manifest,
    symlink_zip,
    with_files,
    zip_bytes,
)


def scan(data: bytes, **limits):
    return scan_package(io.BytesIO(data), limits=Limits(**limits) if limits else Limits())


def refusal(data: bytes, **limits) -> PackageRejected:
    with pytest.raises(PackageRejected) as caught:
        scan(data, **limits)
    return caught.value


def test_a_good_package_is_measured_per_subpackage():
    result = scan(zip_bytes())

    assert result.root_prefix == ""
    assert result.pages == ("pages/index/index", "pages/cart/index")
    assert [s.root for s in result.subpackages] == ["packageA/"]
    sub = result.subpackages[0]
    expected_sub = sum(len(v) for k, v in DEFAULT_FILES.items() if k.startswith("packageA/"))
    assert (sub.size, sub.file_count, sub.pages) == (expected_sub, 2, ("pages/detail/index",))
    assert result.main_size + sub.size == result.total_size == sum(map(len, DEFAULT_FILES.values()))
    assert result.main_file_count == len(DEFAULT_FILES) - 2
    assert result.as_json()["subpackages"][0]["size"] == expected_sub


def test_a_single_top_level_folder_becomes_the_root():
    files = {f"myapp/{name}": content for name, content in DEFAULT_FILES.items()}
    result = scan(zip_bytes(files))
    assert result.root_prefix == "myapp/"
    assert "app.json" in {f.path for f in result.files}


def test_directory_entries_and_stored_entries_are_fine():
    import zipfile

    files = {"pages/": b"", **DEFAULT_FILES}
    assert scan(zip_bytes(files, compression=zipfile.ZIP_STORED)).main_file_count == 5


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("../../etc/cron.d/evil.js", "zip_slip", "climbs out of the package"),
        ("pages/../../evil.js", "zip_slip", "zip-slip"),
        ("/etc/passwd", "absolute_path", "is an absolute path"),
        ("C:/Windows/evil.js", "absolute_path", "drive letter"),
        ("pages\\index\\evil.js", "backslash", "uses backslashes"),
        ("pages//evil.js", "bad_name", "empty or “.” path segment"),
        ("pages/\x07bell.js", "bad_name", "control characters"),
        ("/".join(["d"] * 40) + "/f.js", "bad_name", "folders deep"),
    ],
)
def test_dangerous_names_are_refused_before_any_data_is_read(name, code, words):
    exc = refusal(zip_bytes({**DEFAULT_FILES, name: b"x"}))
    assert exc.code == code
    assert words in exc.message


def test_a_symlink_is_refused():
    exc = refusal(symlink_zip())
    assert exc.code == "symlink"
    assert exc.message == (
        "“pages/evil.js” is a symbolic link; packages may contain only regular files."
    )


def test_duplicate_names_and_names_differing_only_in_case_are_refused():
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile warns; we refuse
        twice = zip_bytes([*DEFAULT_FILES.items(), ("app.js", b"again")])
    assert refusal(twice).message == "“app.js” appears twice in the package."
    cased = zip_bytes({**DEFAULT_FILES, "App.js": b"x"})
    exc = refusal(cased)
    assert exc.code == "duplicate_name"
    assert "differ only in upper/lower case" in exc.message


def test_a_zip_bomb_is_refused_by_ratio():
    exc = refusal(bomb_zip(8 * 1024 * 1024))
    assert exc.code == "zip_bomb"
    assert exc.message.startswith("“assets/zeros.bin” expands")
    assert "more than 100 times is refused as a zip bomb" in exc.message


def test_total_size_and_entry_count_limits():
    assert refusal(zip_bytes(), max_total_size=100).code == "zip_bomb"
    exc = refusal(zip_bytes(), max_entries=3)
    assert exc.message == "The package has 7 entries; the limit is 3."
    exc = refusal(zip_bytes(), max_entry_size=20)
    assert exc.code == "entry_too_large"


def test_not_a_zip_and_damaged_data():
    exc = refusal(b"this is not a zip at all")
    assert exc.code == "not_a_zip"
    exc = refusal(corrupt_zip())
    assert exc.code == "corrupt"
    assert exc.message.startswith("“pages/index/index.js” is damaged and cannot be read")


def test_a_package_without_manifest():
    exc = refusal(zip_bytes(with_files({"app.json": None})))
    assert exc.code == "no_manifest"
    assert exc.message.startswith("The package has no app.json at its root")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "app.json is not valid JSON: Expecting property name enclosed in double"),
        (b"[1, 2]", "app.json must be a JSON object."),
        (manifest(pages=[]), "app.json must have a non-empty “pages” list"),
        (manifest(pages=["/abs/page"]), "app.json: the page “/abs/page” in “pages” must be"),
        (
            manifest(pages=["pages/index/index"], subPackages=[{"pages": ["a"]}]),
            "app.json: subpackage 1 needs a “root” folder and a “pages” list.",
        ),
    ],
)
def test_invalid_manifests(content, message):
    exc = refusal(zip_bytes(with_files({"app.json": content})))
    assert exc.code == "bad_manifest"
    assert exc.message.startswith(message)


def test_a_listed_page_missing_from_the_package():
    exc = refusal(zip_bytes(with_files({"pages/cart/index.js": None})))
    assert exc.code == "missing_file"
    assert (
        exc.message == "“pages/cart/index.js” is listed in app.json but missing from the package."
    )


def test_a_subpackage_page_and_root_must_exist():
    missing_page = with_files({"packageA/pages/detail/index.js": None})
    exc = refusal(zip_bytes(missing_page))
    assert exc.message == (
        "“packageA/pages/detail/index.js” is listed in app.json but missing from the package."
    )
    no_root = with_files(
        {
            "app.json": manifest(
                pages=["pages/index/index"],
                subPackages=[{"root": "packageB", "pages": ["x"]}],
            )
        }
    )
    exc = refusal(zip_bytes(no_root))
    assert exc.message == (
        "The subpackage root “packageB/” is listed in app.json but has no files in the package."
    )


def test_overlapping_roots_and_main_pages_inside_a_root_are_refused():
    overlapping = with_files(
        {
            "app.json": manifest(
                pages=["pages/index/index"],
                subPackages=[
                    {"root": "packageA", "pages": ["pages/detail/index"]},
                    {"root": "packageA/pages", "pages": ["detail/index"]},
                ],
            )
        }
    )
    assert "overlap" in refusal(zip_bytes(overlapping)).message
    inside = with_files(
        {
            "app.json": manifest(
                pages=["pages/index/index", "packageA/pages/detail/index"],
                subPackages=[{"root": "packageA", "pages": ["pages/detail/index"]}],
            )
        }
    )
    assert "is inside the subpackage root “packageA/”" in refusal(zip_bytes(inside)).message
