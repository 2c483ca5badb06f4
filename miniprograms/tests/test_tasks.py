"""``miniprograms.delete_files``: run twice in-process, and once through a real Celery worker."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_delete
from miniprograms.tasks import delete_files
from miniprograms.tests.factories import create_miniprogram, stored_files
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory


def test_delete_files_removes_each_key_once_and_a_second_run_removes_nothing():
    keys = [
        default_storage.save("miniprogram-logos/a.png", ContentFile(b"a")),
        default_storage.save("miniprogram-logos/b.png", ContentFile(b"b")),
    ]
    keep = default_storage.save("miniprogram-logos/keep.png", ContentFile(b"k"))

    assert delete_files.apply(kwargs={"keys": keys}).get() == 2
    assert stored_files() == [keep]
    assert delete_files.apply(kwargs={"keys": keys}).get() == 0  # redelivered: no error
    assert delete_files(keys=[]) == 0
    assert stored_files() == [keep]


@pytest.mark.parametrize(
    "key", ["/etc/passwd", "../outside.png", "miniprogram-logos/../../outside.png", ""]
)
def test_delete_files_refuses_suspicious_keys(key, tmp_path, caplog):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"not ours")
    keep = default_storage.save("miniprogram-logos/keep.png", ContentFile(b"k"))

    with caplog.at_level("WARNING", logger="miniprograms.tasks"):
        assert delete_files(keys=[key]) == 0
    assert outside.exists() and stored_files() == [keep]
    if key:
        assert f"delete_files: refusing suspicious key {key!r}" in caplog.text


# --- through a real worker --------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_deleting_a_program_makes_the_worker_remove_its_logo(live_worker):
    owner = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    mp = create_miniprogram(owner, name="Worker Coffee")
    logo = mp.logo.name
    assert (live_worker.media_root / logo).is_file()  # the test's storage is the worker's

    with transaction.atomic():
        miniprogram_delete(actor=owner, miniprogram=mp, confirm_name="Worker Coffee")
        assert (live_worker.media_root / logo).is_file()  # nothing is sent before commit

    assert not MiniProgram.objects.exists()
    live_worker.wait_for(
        lambda: not (live_worker.media_root / logo).exists(), what=f"the worker to delete {logo}"
    )
    log = live_worker.wait_for_log("delete_files: removed 1 of 1 file(s)")
    assert "Task console.outbox_deliver[" in log  # queued through the outbox
    assert "ERROR" not in log
