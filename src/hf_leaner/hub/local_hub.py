"""A local folder served as a Hugging Face Hub endpoint, for offline machines and for tests.

``huggingface_hub`` (and so ``push_to_hub``, ``snapshot_download``, ``hf_hub_download``,
``load_dataset("owner/name")``) talks HTTP to ``HF_ENDPOINT``. Point that at this server and every Hub
code path of hf-leaner runs unchanged, with repos stored as plain folders::

    ROOT/models/<owner>/<name>/...      ROOT/datasets/<owner>/<name>/...

    hf-leaner local-hub --root ./hub --port 8765 &
    HF_ENDPOINT=http://127.0.0.1:8765 hf-leaner build-dataset leaner-eval --output out --push-to-hub me/leaner-eval

It implements the part of the Hub API those calls use: repo creation, repo info with its file list,
the file tree, ``preupload`` (every file is a regular upload) and ``commit`` (NDJSON, inline base64
content, deletions), and file ``resolve`` with the headers the download cache needs. One linear
history per repo; a revision is ``main`` or a commit sha. It is not a security boundary: bind it to
loopback only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

META = ".local_hub.json"  # per-repo commit log, hidden from listings
_KINDS = {"models": "model", "datasets": "dataset", "spaces": "space"}
_API_RE = re.compile(r"^/api/(models|datasets|spaces)/([^/]+)/([^/]+)(?:/(revision|tree|preupload|commit|paths-info)"
                     r"(?:/([^/]+))?(/.*)?)?$")
_RESOLVE_RE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")


class LocalHub:
    """The repos under ``root``, with a lock so concurrent commits stay consistent."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    def repo_dir(self, kind: str, owner: str, name: str) -> Path:
        for part in (owner, name):
            if part in ("", ".", "..") or "/" in part:
                raise ValueError(f"bad repo id part {part!r}")
        return self.root / kind / owner / name

    def log(self, repo: Path) -> list[dict]:
        meta = repo / META
        return json.loads(meta.read_text()) if meta.is_file() else []

    def head(self, repo: Path) -> str:
        log = self.log(repo)
        return log[-1]["sha"] if log else "0" * 40

    def files(self, repo: Path) -> list[Path]:
        return sorted(p for p in repo.rglob("*") if p.is_file() and p.name != META)

    def create(self, kind: str, owner: str, name: str) -> bool:
        repo = self.repo_dir(kind, owner, name)
        with self.lock:
            if repo.is_dir():
                return False
            repo.mkdir(parents=True)
            self._record(repo, "initial commit")
            return True

    def commit(self, repo: Path, lines: list[dict]) -> str:
        with self.lock:
            summary = "commit"
            for item in lines:
                key, value = item.get("key"), item.get("value", {})
                if key == "header":
                    summary = value.get("summary") or summary
                elif key == "file":
                    target = self._safe(repo, value["path"])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    content = value.get("content", "")
                    data = base64.b64decode(content) if value.get("encoding") == "base64" else content.encode()
                    tmp = target.with_name(target.name + ".part")
                    tmp.write_bytes(data)
                    tmp.replace(target)
                elif key == "deletedFile":
                    self._safe(repo, value["path"]).unlink(missing_ok=True)
                elif key == "deletedFolder":
                    shutil.rmtree(self._safe(repo, value["path"]), ignore_errors=True)
                else:
                    raise ValueError(f"unsupported commit operation {key!r} (LFS uploads are not served here)")
            return self._record(repo, summary)

    def _record(self, repo: Path, summary: str) -> str:
        h = hashlib.sha1(self.head(repo).encode())
        for f in self.files(repo):
            h.update(str(f.relative_to(repo)).encode() + b"\0" + hashlib.sha1(f.read_bytes()).digest())
        h.update(f"{summary}{time.time_ns()}".encode())
        log = self.log(repo) + [{"sha": h.hexdigest(), "summary": summary, "time": time.time()}]
        (repo / META).write_text(json.dumps(log))
        return log[-1]["sha"]

    @staticmethod
    def _safe(repo: Path, rel: str) -> Path:
        target = (repo / rel).resolve()
        if repo.resolve() not in target.parents:
            raise ValueError(f"path {rel!r} escapes the repo")
        return target


class _Handler(BaseHTTPRequestHandler):
    hub: LocalHub
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests and CLIs print their own summaries
        pass

    # ------------------------------------------------------------------ helpers
    def _send(self, status: int, body: bytes = b"", headers: dict | None = None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer has the headers of the GET answer and no body
            self.wfile.write(body)

    def _json(self, obj, status: int = 200):
        self._send(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})

    def _error(self, status: int, message: str):
        self._send(status, json.dumps({"error": message}).encode(),
                   {"Content-Type": "application/json", "X-Error-Message": message})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _endpoint(self) -> str:
        return f"http://{self.headers.get('Host', '127.0.0.1')}"

    def _repo(self, kind: str, owner: str, name: str) -> Path | None:
        repo = self.hub.repo_dir(kind, unquote(owner), unquote(name))
        if not repo.is_dir():
            self._error(404, f"Repository {owner}/{name} not found")
            return None
        return repo

    def _check_revision(self, repo: Path, revision: str | None) -> bool:
        revision = unquote(revision or "main")
        if revision in ("main", self.hub.head(repo)):
            return True
        self._error(404, f"Revision {revision} not found (this local hub serves main only)")
        return False

    # ------------------------------------------------------------------ verbs
    def do_GET(self):
        url = urlparse(self.path)
        path = unquote(url.path)
        m = _API_RE.match(path)
        if m:
            kind, owner, name, verb, rev, rest = m.groups()
            repo = self._repo(kind, owner, name)
            if repo is None or not self._check_revision(repo, rev if verb in ("revision", "tree") else None):
                return
            if verb in (None, "revision"):
                return self._json(self._info(kind, repo, f"{owner}/{name}"))
            if verb == "tree":
                recursive = parse_qs(url.query).get("recursive", ["false"])[0].lower() in ("1", "true")
                return self._json(self._tree(repo, (rest or "/").strip("/"), recursive))
            return self._error(405, f"GET not supported on {verb}")
        m = _RESOLVE_RE.match(path)
        if m:
            prefix, owner, name, rev, rel = m.groups()
            repo = self._repo(prefix or "models", owner, name)
            if repo is None or not self._check_revision(repo, rev):
                return
            try:
                target = LocalHub._safe(repo, rel)
            except ValueError as e:
                return self._error(400, str(e))
            if not target.is_file() or target.name == META:
                return self._error(404, f"Entry not found: {rel}")
            data = target.read_bytes()
            etag = hashlib.sha1(data).hexdigest()
            headers = {"Content-Type": "application/octet-stream", "ETag": f'"{etag}"',
                       "X-Repo-Commit": self.hub.head(repo), "Accept-Ranges": "bytes"}
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                start, _, end = rng[6:].partition("-")
                start = int(start or 0)
                end = min(int(end) if end else len(data) - 1, len(data) - 1)
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                return self._send(206, data[start:end + 1], headers)
            return self._send(200, data, headers)
        if path == "/api/whoami-v2":
            return self._json({"type": "user", "name": "local", "auth": {"accessToken": {"role": "write"}}})
        self._error(404, f"not served by the local hub: {path}")

    do_HEAD = do_GET

    def do_POST(self):
        url = urlparse(self.path)
        path = unquote(url.path)
        try:
            if path == "/api/repos/create":
                body = json.loads(self._body() or b"{}")
                kind = (body.get("type") or "model") + "s"
                owner = body.get("organization") or "local"
                created = self.hub.create(kind, owner, body["name"])
                prefix = "" if kind == "models" else f"{kind}/"
                url_ = f"{self._endpoint()}/{prefix}{owner}/{body['name']}"
                if not created:
                    return self._send(409, json.dumps({"error": "You already created this repo", "url": url_}).encode(),
                                      {"Content-Type": "application/json"})
                return self._json({"url": url_, "name": f"{owner}/{body['name']}"})
            if path == "/api/validate-yaml":
                errors = validate_card_yaml(json.loads(self._body())["content"])
                if errors:
                    return self._send(400, json.dumps({"errors": [{"message": e} for e in errors]}).encode(),
                                      {"Content-Type": "application/json"})
                return self._json({"warnings": []})
            m = _API_RE.match(path)
            if not m:
                return self._error(404, f"not served by the local hub: {path}")
            kind, owner, name, verb, rev, _ = m.groups()
            repo = self._repo(kind, owner, name)
            if repo is None or not self._check_revision(repo, rev):
                return
            if verb == "preupload":
                files = json.loads(self._body())["files"]
                return self._json({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                              "oid": None} for f in files]})
            if verb == "paths-info":
                body = self._body()
                form = parse_qs(body.decode()) if body and not body.startswith(b"{") else {}
                paths = form.get("paths") or json.loads(body or b"{}").get("paths", [])
                return self._json([e for e in self._tree(repo, "", True) if e["path"] in paths])
            if verb == "commit":
                lines = [json.loads(line) for line in self._body().splitlines() if line.strip()]
                sha = self.hub.commit(repo, lines)
                prefix = "" if kind == "models" else f"{kind}/"
                return self._json({"commitUrl": f"{self._endpoint()}/{prefix}{owner}/{name}/commit/{sha}",
                                   "commitOid": sha, "pullRequestUrl": None})
            return self._error(405, f"POST not supported on {verb}")
        except (ValueError, KeyError, json.JSONDecodeError) as e:
            return self._error(400, f"bad request: {e}")

    # ------------------------------------------------------------------ payloads
    def _info(self, kind: str, repo: Path, repo_id: str) -> dict:
        log = self.hub.log(repo)
        return {"id": repo_id, "_id": repo_id, "sha": self.hub.head(repo), "private": False, "disabled": False,
                "gated": False, "downloads": 0, "likes": 0, "tags": [], "author": repo_id.split("/")[0],
                "lastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(log[-1]["time"] if log else 0)),
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(log[0]["time"] if log else 0)),
                "siblings": [{"rfilename": str(f.relative_to(repo))} for f in self.hub.files(repo)]}

    def _tree(self, repo: Path, sub: str, recursive: bool) -> list[dict]:
        base = LocalHub._safe(repo, sub) if sub else repo
        if not base.is_dir():
            return []
        entries = base.rglob("*") if recursive else base.iterdir()
        out = []
        for p in sorted(entries):
            if p.name == META:
                continue
            rel = str(p.relative_to(repo))
            if p.is_dir():
                out.append({"type": "directory", "path": rel, "oid": hashlib.sha1(rel.encode()).hexdigest(), "size": 0})
            else:
                data = p.read_bytes()
                out.append({"type": "file", "path": rel, "size": len(data),
                            "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()})
        return out


def validate_card_yaml(content: str) -> list[str]:
    """The checks the Hub makes on a card's YAML header that matter for loading: it parses, and each
    ``configs`` entry names a config and its data files."""
    import yaml

    if not content.startswith("---"):
        return []
    try:
        meta = yaml.safe_load(content.split("---", 2)[1]) or {}
    except yaml.YAMLError as e:
        return [f"YAML header does not parse: {e}"]
    errors = []
    for i, cfg in enumerate(meta.get("configs") or []):
        if not isinstance(cfg, dict) or "config_name" not in cfg:
            errors.append(f"configs[{i}]: missing config_name")
        elif "data_files" not in cfg and "data_dir" not in cfg:
            errors.append(f"configs[{i}] ({cfg['config_name']}): no data_files or data_dir")
    return errors


def make_server(root: str | Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A ready server (call ``serve_forever``); ``port=0`` picks a free port (see ``server_address``)."""
    handler = type("LocalHubHandler", (_Handler,), {"hub": LocalHub(root)})
    return ThreadingHTTPServer((host, port), handler)


def serve(root: str | Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    server = make_server(root, host, port)
    print(f"local hub: serving {Path(root).resolve()} at http://{host}:{server.server_address[1]} "
          f"(set HF_ENDPOINT to this URL)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
