import pytest

from opendb import readiness


@pytest.mark.parametrize(
    ("status", "state"),
    [("Waiting", "ready"), ("Success", "ready"), ("NoStart", "not_ready"), ("Running", "not_ready"),
     ("Failed", "failed"), ("Mystery", "not_ready"), (None, "not_ready")],
)
def test_judge_task(status, state):
    assert readiness.judge_task(status).state == state


def test_judge_file_matches_basename():
    items = [{"FileName": "backups/full.bak", "Status": "Restored"}, {"FileName": "log1.trn", "Status": "Restoring"}]
    assert readiness.judge_file("sales/full.bak", items).state == "ready"
    assert readiness.judge_file("sales/log1.trn", items).state == "not_ready"
    assert readiness.judge_file("sales/log2.trn", items).state == "not_ready"
    assert readiness.judge_file("x/full.bak", [{"FileName": "full.bak", "Status": "Failed"}]).state == "failed"


def test_is_backup_file():
    assert readiness.is_backup_file("a/b/FULL.BAK")
    assert readiness.is_backup_file("log_0001.trn")
    assert not readiness.is_backup_file("open/marker")
    assert not readiness.is_backup_file(None)


def test_download_items_shapes():
    assert readiness.download_items({"Items": {"OssDownload": [{"FileName": "a"}]}}) == [{"FileName": "a"}]
    assert readiness.download_items({"Items": {"OssDownload": {"FileName": "a"}}}) == [{"FileName": "a"}]
    assert readiness.download_items({}) == []


@pytest.mark.parametrize("status", ["DownloadFailed", "VerifyFailed", "CheckFailed", "RestoreFailed"])
def test_judge_file_failed_statuses(status):
    assert readiness.judge_file("x.bak", [{"FileName": "x.bak", "Status": status}]).state == "failed"


@pytest.mark.parametrize("status", ["NoStart", "Downloading", "Finished", "CheckSuccess", "Restoring"])
def test_judge_file_pending_statuses(status):
    assert readiness.judge_file("x.bak", [{"FileName": "x.bak", "Status": status}]).state == "not_ready"
