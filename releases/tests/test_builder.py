"""The builder: raw-copied, reproducible complete and subpackaged forms of a scanned package."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from releases.package.builder import build_package
from releases.package.scanner import scan_package
from releases.tests.packages import DEFAULT_FILES, zip_bytes


def build(data: bytes):
    source = io.BytesIO(data)
    return build_package(source, scan_package(source))


def contents(part) -> dict[str, bytes]:
    part.data_file.seek(0)
    with zipfile.ZipFile(part.data_file) as archive:
        assert archive.testzip() is None  # every CRC verifies
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_complete_package_holds_every_file_and_the_parts_split_them_by_root():
    parts = {(p.kind, p.root): p for p in build(zip_bytes())}

    assert set(parts) == {
        ("complete", ""),
        ("main", ""),
        ("subpackage", "packageA/"),
        ("index", ""),
    }
    assert contents(parts["complete", ""]) == DEFAULT_FILES
    main = contents(parts["main", ""])
    sub = contents(parts["subpackage", "packageA/"])
    assert set(main) | set(sub) == set(DEFAULT_FILES)
    assert not set(main) & set(sub)
    assert all(name.startswith("packageA/") for name in sub)


def test_the_index_names_every_part_with_its_size_and_hash():
    parts = build(zip_bytes())
    by_kind = {(p.kind, p.root): p for p in parts}
    index = json.loads(by_kind["index", ""].data_file.read())

    for key, entry in (("complete", index["complete"]), ("main", index["main"])):
        part = by_kind[key, ""]
        part.data_file.seek(0)
        raw = part.data_file.read()
        assert entry == {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    [sub] = index["subpackages"]
    assert sub["root"] == "packageA/"
    assert sub["pages"] == ["pages/detail/index"]
    assert sub["sha256"] == by_kind["subpackage", "packageA/"].sha256
    assert index["pages"] == ["pages/index/index", "pages/cart/index"]


def test_a_top_level_folder_is_dropped_and_builds_are_byte_identical():
    nested = zip_bytes({f"myapp/{name}": content for name, content in DEFAULT_FILES.items()})
    first, second = build(nested), build(nested)

    assert [p.sha256 for p in first] == [p.sha256 for p in second]
    assert contents(first[0]) == DEFAULT_FILES  # "myapp/" is gone
    # The same files zipped flat build the same complete package.
    assert build(zip_bytes())[0].sha256 == first[0].sha256


def test_stored_entries_are_copied_as_they_are():
    parts = build(zip_bytes(compression=zipfile.ZIP_STORED))
    parts[0].data_file.seek(0)
    with zipfile.ZipFile(parts[0].data_file) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    assert contents(parts[0]) == DEFAULT_FILES
