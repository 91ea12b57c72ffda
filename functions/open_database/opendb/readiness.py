"""When a migrate task is ready to be opened.

Opening too early is the worst failure this tool can have: once a database is
online, no further log backup can be restored into it, and the migration must
start again from the full backup.

NOTE: the meaning of each status below is read from the API pages' lists of
values and from how the console behaves; Alibaba's docs do not state outright
that "Waiting" means "every file so far is restored". The rules are kept in
this one place so they can be corrected together.
"""

from __future__ import annotations

from dataclasses import dataclass
from posixpath import basename

# DescribeMigrateTaskById Status values.
NOT_YET = frozenset({"NoStart", "Running"})  # restore has not started or is still running
READY = frozenset({"Waiting", "Success"})  # restored so far and waiting for more files, or finished
FAILED = frozenset({"Failed"})  # the task stopped; opening cannot help

# DescribeOssDownloads Status of a file that has been restored. A status
# ending in "Failed" (DownloadFailed, VerifyFailed, CheckFailed,
# RestoreFailed) means this task will not restore the file. Every other one
# (NoStart, Downloading, Finished, CheckSuccess, Restoring...) means not yet.
FILE_RESTORED = frozenset({"Restored", "Success"})

# Object names that are backup files restored by a migrate task: full and
# differential backups (.bak, .diff), log backups (.trn, .log), and .zip
# archives of them, which the migrate task also accepts.
BACKUP_SUFFIXES = (".bak", ".diff", ".trn", ".log", ".zip")

# DescribeOssDownloads codes that mean the API does not apply to this instance
# (for example an edition or version without per-file records).
UNSUPPORTED_CODES = frozenset({"UnsupportedOperation", "InvalidAction", "InvalidAction.NotFound", "OperationDenied", "UnsupportedEngine"})


def is_backup_file(key: str | None) -> bool:
    return bool(key) and key.lower().endswith(BACKUP_SUFFIXES)


@dataclass(frozen=True)
class Verdict:
    """Whether the task may be opened now: ready, not yet (retry later) or never."""

    state: str  # "ready", "not_ready" or "failed"
    reason: str

    @property
    def ready(self) -> bool:
        return self.state == "ready"


def judge_task(status: str | None) -> Verdict:
    """Judge a DescribeMigrateTaskById Status."""
    if status in READY:
        return Verdict("ready", f"migrate task status {status}")
    if status in NOT_YET:
        return Verdict("not_ready", f"migrate task status {status}: the restore has not finished")
    if status in FAILED:
        return Verdict("failed", f"migrate task status {status}: the task failed; create a new migrate task")
    return Verdict("not_ready", f"migrate task status {status!r} is not a known value; waiting rather than opening")


def judge_file(key: str, downloads: list[dict]) -> Verdict:
    """Judge whether the backup file named by ``key`` is restored, from DescribeOssDownloads items."""
    name = basename(key)
    for item in downloads:
        file_name = str(item.get("FileName") or "")
        if basename(file_name) != name:
            continue
        status = str(item.get("Status") or "")
        if status in FILE_RESTORED:
            return Verdict("ready", f"backup file {name} is {status}")
        if status.endswith("Failed") or status.lower() in ("failed", "error"):
            return Verdict("failed", f"backup file {name} is {status}: restore it again with a new migrate task")
        return Verdict("not_ready", f"backup file {name} is {status or 'without status'}")
    return Verdict("not_ready", f"backup file {name} is not yet listed by DescribeOssDownloads")


def download_items(response: dict) -> list[dict]:
    """Return the OssDownload items of a DescribeOssDownloads response."""
    items = response.get("Items") or {}
    found = items.get("OssDownload") if isinstance(items, dict) else items
    if isinstance(found, dict):
        found = [found]
    return [item for item in (found or []) if isinstance(item, dict)]
