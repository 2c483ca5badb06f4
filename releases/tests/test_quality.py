"""The quality review: each rule finds what it should, and nothing in a clean package."""

from __future__ import annotations

import io
import os

from releases.package.quality import IMAGE_ADVICE, PACKAGE_ADVICE, review_package
from releases.package.scanner import scan_package
from releases.tests.packages import with_files, zip_bytes


def review(files: dict[str, bytes | None], **kwargs):
    data = io.BytesIO(zip_bytes(with_files(files)))
    return review_package(data, scan_package(data), **kwargs)


def rules(report) -> dict[str, int]:
    return report["summary"]["by_rule"]


def test_a_clean_package_has_no_findings():
    report = review({})
    assert report["findings"] == []
    assert report["summary"] == {"warnings": 0, "infos": 0, "by_rule": {}, "scripts_searched": 4}


def test_forbidden_constructs_are_found_with_their_line():
    report = review(
        {
            "pages/index/index.js": b"Page({});\nconst f = new Function('return 1');\n",
            "pages/cart/index.js": b"Page({ onLoad() { document.title = 'x'; debugger; } });\n",
            "app.js": b"App({ api: 'http://api.example.com/v1' });\nvar y = eval('2');\n",
        }
    )
    found = {(f["rule"], f["path"]) for f in report["findings"]}
    assert found == {
        ("eval", "pages/index/index.js"),
        ("eval", "app.js"),
        ("dom_api", "pages/cart/index.js"),
        ("debugger", "pages/cart/index.js"),
        ("insecure_url", "app.js"),
    }
    [evil] = [f for f in report["findings"] if f["path"] == "pages/index/index.js"]
    assert evil["message"].startswith("pages/index/index.js line 2 builds code from a string")


def test_lookalikes_are_not_findings():
    report = review(
        {
            "app.js": b"App({ evaluate() {}, myeval: 1, url: 'https://x.example', "
            b"local: 'http://localhost:3000', win: this.window });\n",
        }
    )
    assert rules(report) == {}


def test_sizes_images_duplicates_and_source_maps():
    noise = os.urandom(PACKAGE_ADVICE + 1024)
    report = review(
        {
            "packageA/images/huge.png": noise,
            "pages/index/banner.jpg": os.urandom(IMAGE_ADVICE + 1),
            "pages/index/copy.axml": b"<view>{{title}}</view>\n",  # same as index.axml
            "app.js.map": b"{}",
        }
    )
    assert rules(report) == {
        "duplicate_file": 1,
        "large_image": 2,
        "package_size": 1,
        "source_map": 1,
    }
    [size] = [f for f in report["findings"] if f["rule"] == "package_size"]
    assert size["message"].startswith("The subpackage “packageA/” is 2.00 MB")
    assert report["sizes"]["subpackages"]["packageA/"] > PACKAGE_ADVICE


def test_a_cancelled_review_stops_at_its_next_progress_report():
    files = {f"pages/p{i}/index.js": b"Page({});\n" for i in range(120)}
    seen: list[int] = []

    def progress(percent: int) -> bool:
        seen.append(percent)
        return False  # the job was cancelled

    assert review(files, progress=progress) == {"cancelled": True}
    assert len(seen) == 1
