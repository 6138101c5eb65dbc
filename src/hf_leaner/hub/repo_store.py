"""The repos of the local Hub server as plain folders: ``ROOT/<kind>/<owner>/<name>/...``.

Everything that touches the disk for ``local_hub.py`` lives here, with two guarantees:

* **confined**: a repo type is one of ``models``/``datasets``/``spaces``, a repo id follows
  ``huggingface_hub``'s own grammar (``validate_repo_id``), and every path is resolved, then checked to
  lie under the root (or the repo) before anything is read or written;
* **atomic**: a commit is checked and staged whole (every path, every payload) before the first
  file of the repo changes, so a rejected commit leaves nothing behind.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import shutil
import threading
import time
import uuid
from pathlib import Path

from huggingface_hub.utils import HFValidationError, validate_repo_id

META = ".local_hub.json"  # per-repo commit log, hidden from listings and never writable by a commit
KINDS = {"model": "models", "dataset": "datasets", "space": "spaces"}  # API repo type -> folder
STAGING = ".staging"  # under the root, outside every kind folder: half-written commits never show


class RepoError(ValueError):
    """A request names a repo, path or payload this store refuses (answered as HTTP 400)."""


class LocalHub:
    """The repos under ``root``, with a lock so concurrent commits stay consistent."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ locating
    def repo_dir(self, kind: str, owner: str, name: str) -> Path:
        """``kind`` is a folder name (``models``...); ``owner/name`` must be a valid Hub repo id."""
        if kind not in KINDS.values():
            raise RepoError(f"repo type {kind!r} is not one of {', '.join(KINDS)}")
        repo_id = f"{owner}/{name}"
        try:
            validate_repo_id(repo_id)
        except HFValidationError as e:
            raise RepoError(f"invalid repo id {repo_id!r}: {e}") from None
        if "--" in repo_id or ".." in repo_id or repo_id.endswith(".git"):  # the Hub's extra rules
            raise RepoError(f"invalid repo id {repo_id!r}: '--', '..' and a '.git' ending are not allowed")
        return self._confine(self.root / kind / owner / name, self.root)

    @staticmethod
    def _confine(path: Path, base: Path) -> Path:
        resolved = path.resolve()
        if resolved != base.resolve() and base.resolve() not in resolved.parents:
            raise RepoError(f"path {path} escapes {base}")
        return resolved

    def file_path(self, repo: Path, rel: str) -> Path:
        """A file of ``repo`` named by a repo-relative path (never absolute, never the commit log)."""
        if not isinstance(rel, str) or not rel.strip("/") or rel.startswith("/") or "\\" in rel or "\0" in rel:
            raise RepoError(f"bad file path {rel!r}: give a relative path inside the repo")
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts) or parts[0] == META:
            raise RepoError(f"bad file path {rel!r}: no empty, '.', '..' or reserved parts")
        return self._confine(repo / rel, repo)

    # ------------------------------------------------------------------ reading
    def log(self, repo: Path) -> list[dict]:
        meta = repo / META
        return json.loads(meta.read_text()) if meta.is_file() else []

    def head(self, repo: Path) -> str:
        log = self.log(repo)
        return log[-1]["sha"] if log else "0" * 40

    def files(self, repo: Path) -> list[Path]:
        return sorted(p for p in repo.rglob("*") if p.is_file() and p.name != META
                      and repo in p.resolve().parents)  # a symlink pointing out of the repo is not served

    # ------------------------------------------------------------------ writing
    def create(self, kind: str, owner: str, name: str) -> bool:
        repo = self.repo_dir(kind, owner, name)
        with self.lock:
            if repo.is_dir():
                return False
            repo.mkdir(parents=True)
            self._record(repo, "initial commit")
            return True

    def commit(self, repo: Path, operations: list) -> str:
        """Apply NDJSON commit ``operations`` all together, or none of them (``RepoError`` says why)."""
        with self.lock:
            stage = self.root / STAGING / uuid.uuid4().hex
            try:
                summary, writes, deletions = self._stage(repo, operations, stage)
                for staged, target in writes:  # every check passed: only renames from here on
                    target.parent.mkdir(parents=True, exist_ok=True)
                    staged.replace(target)
                for target in deletions:
                    if target.is_dir():
                        shutil.rmtree(target)
                    else:
                        target.unlink(missing_ok=True)
                return self._record(repo, summary)
            finally:
                shutil.rmtree(stage, ignore_errors=True)

    def _stage(self, repo: Path, operations: list, stage: Path):
        summary, writes, deletions = "commit", [], []
        stage.mkdir(parents=True)
        for i, item in enumerate(operations):
            if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
                raise RepoError(f"commit line {i + 1}: expected {{\"key\": ..., \"value\": {{...}}}}")
            key, value = item.get("key"), item["value"]
            if key == "header":
                summary = str(value.get("summary") or summary)
            elif key == "file":
                target = self.file_path(repo, value.get("path"))
                staged = stage / f"{len(writes):06d}"
                staged.write_bytes(_payload(value, i))
                writes.append((staged, target))
            elif key in ("deletedFile", "deletedFolder"):
                deletions.append(self.file_path(repo, value.get("path")))
            else:
                raise RepoError(f"commit line {i + 1}: unsupported operation {key!r} "
                                "(LFS uploads are not served here)")
        return summary, writes, deletions

    def _record(self, repo: Path, summary: str) -> str:
        # content-addressed, as git: the parent, the tree and the message decide the sha (no clock)
        tree = hashlib.sha1()
        for f in self.files(repo):
            tree.update(str(f.relative_to(repo)).encode() + b"\0" + hashlib.sha1(f.read_bytes()).digest())
        parent = self.head(repo)
        sha = hashlib.sha1(f"{parent}\0{tree.hexdigest()}\0{summary}".encode()).hexdigest()
        log = self.log(repo) + [{"sha": sha, "parent": parent, "tree": tree.hexdigest(), "summary": summary,
                                 "time": time.time()}]
        tmp = repo / (META + ".tmp")
        tmp.write_text(json.dumps(log))
        tmp.replace(repo / META)
        return log[-1]["sha"]


def _payload(value: dict, i: int) -> bytes:
    content = value.get("content", "")
    if not isinstance(content, str):
        raise RepoError(f"commit line {i + 1}: 'content' must be a string")
    if value.get("encoding") == "base64":
        try:
            return base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError) as e:
            raise RepoError(f"commit line {i + 1}: content is not valid base64 ({e})") from None
    return content.encode()
