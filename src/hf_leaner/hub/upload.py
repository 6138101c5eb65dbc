"""Every push of hf-leaner goes through :func:`upload_folder`: it refuses a folder holding a Hub token.

A token that reaches a public repo is a leaked credential (a pickled ``TrainingArguments`` with
``hub_token``, a copied ``.env``, a log that echoed it). Before anything is sent, each file that
``HfApi.upload_folder`` would send is scanned for a token-shaped string (``hf_`` + 30 or more letters
and digits) and for the value of ``HF_TOKEN`` when it is set, and no link may lead out of the folder; one hit
stops the push with the file's name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from huggingface_hub.utils import DEFAULT_IGNORE_PATTERNS, filter_repo_objects

from hf_leaner.utils.errors import LeanerDataError

TOKEN_RE = re.compile(rb"hf_[A-Za-z0-9]{30,}")
MIN_ENV_TOKEN = 8  # a shorter HF_TOKEN value would match ordinary bytes everywhere: only the shape is checked
_CHUNK = 8 << 20
_OVERLAP = 512  # longer than any token, so one cut across a chunk boundary is still found


class SecretInUploadError(LeanerDataError):
    """A file about to be pushed holds a token; nothing was pushed."""


def _secrets(extra: list[str | None]) -> list[bytes]:
    values = [os.environ.get("HF_TOKEN"), os.environ.get("HUGGING_FACE_HUB_TOKEN"), *extra]
    return sorted({v.encode() for v in values if v and len(v) >= MIN_ENV_TOKEN})


def find_token(path: Path, secrets: list[bytes]) -> str | None:
    """What token-like thing ``path`` holds and where (``None`` when clean); reads in bounded chunks."""
    offset, tail = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            start = offset - len(tail)
            for value in secrets:
                at = window.find(value)
                if at >= 0:
                    return f"the value of HF_TOKEN at byte {start + at}"
            m = TOKEN_RE.search(window)
            if m:
                return f"a token-shaped string 'hf_...' at byte {start + m.start()}"
            offset += len(chunk)
            tail = window[-_OVERLAP:]
    return None


def files_to_upload(folder: Path, ignore_patterns: list[str] | None = None) -> list[Path]:
    """The files ``HfApi.upload_folder`` sends for these ``ignore_patterns`` (plus its own defaults)."""
    rel = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    kept = filter_repo_objects(rel, ignore_patterns=list(ignore_patterns or []) + DEFAULT_IGNORE_PATTERNS)
    return [folder / r for r in kept]


def links_outside(folder: Path) -> list[tuple[Path, Path]]:
    """Every link under ``folder`` (file or folder) whose target lies outside it: an upload would send that
    target's contents (``/etc/passwd``, a file in the home folder) as if it were part of the run."""
    root = folder.resolve()
    found = []
    for parent, dirs, files in os.walk(folder):  # links to folders are listed, not followed
        for name in dirs + files:
            path = Path(parent, name)
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    found.append((path, target))
    return found


def check_no_tokens(folder: str | Path, ignore_patterns: list[str] | None = None, token: str | None = None) -> None:
    """Raise :class:`SecretInUploadError` naming the first file to be uploaded that holds a token, or a link that
    leads out of the folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LeanerDataError(f"{folder}: no such folder to push")
    outside = links_outside(folder)
    if outside:
        (link, target), more = outside[0], len(outside) - 1
        raise SecretInUploadError(
            f"{link}: a link to {target}, outside the folder being pushed" + (f" (and {more} more)" if more else "")
            + "; nothing was pushed. Copy what you mean to publish into the folder, or remove the link")
    secrets = _secrets([token])
    for path in files_to_upload(folder, ignore_patterns):
        what = find_token(path, secrets)
        if what:
            raise SecretInUploadError(
                f"{path}: holds a Hub token ({what}); nothing was pushed. Remove the file or the token from it "
                "(tokens belong in the HF_TOKEN environment variable) and push again")


def upload_folder(api, folder: str | Path, repo_id: str, ignore_patterns: list[str] | None = None, **kwargs):
    """``api.upload_folder`` after :func:`check_no_tokens` passed on exactly the files it would send."""
    check_no_tokens(folder, ignore_patterns, token=api.token)
    return api.upload_folder(folder_path=str(folder), repo_id=repo_id,
                             ignore_patterns=list(ignore_patterns or []), **kwargs)  # it extends the list in place
