"""A local folder served as a Hugging Face Hub endpoint, for offline machines and for tests.

``huggingface_hub`` (and so ``push_to_hub``, ``snapshot_download``, ``hf_hub_download``,
``load_dataset("owner/name")``) talks HTTP to ``HF_ENDPOINT``. Point that at this server and every Hub
code path of hf-leaner runs unchanged, with repos stored as plain folders (``repo_store.py``)::

    ROOT/models/<owner>/<name>/...      ROOT/datasets/<owner>/<name>/...

    HF_LEANER_HUB_TOKEN=secret hf-leaner local-hub --root ./hub --port 8765 &
    HF_ENDPOINT=http://127.0.0.1:8765 HF_TOKEN=secret hf-leaner build-dataset leaner-eval --output out --push-to-hub me/leaner-eval

It implements the part of the Hub API those calls use: repo creation, repo info with its file list,
the file tree, ``preupload`` (every file is a regular upload) and ``commit`` (NDJSON, inline base64
content, deletions), and file ``resolve`` with the headers the download cache needs (``Range`` as in
RFC 9110). One linear history per repo; a revision is ``main`` or a commit sha.

Reads are anonymous. Writes need ``Authorization: Bearer <token>`` with the token the server was started
with (from an environment variable, never the command line); without one the server is read-only.
Every bad request gets a 4xx JSON answer ``{"error": ...}``. It binds loopback unless told otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from .protocol import HttpError, parse_range, validate_card_yaml
from .repo_store import KINDS, META, LocalHub, RepoError

__all__ = ["LocalHub", "make_server", "serve", "validate_card_yaml", "parse_range"]

TOKEN_ENV = "HF_LEANER_HUB_TOKEN"  # the write token, read from the environment at start
MAX_BODY = 4 << 30  # a request body larger than this is refused before reading it
DRAIN_LIMIT = 64 << 20  # an error answer reads up to this much unread body to keep the connection usable
_API_RE = re.compile(r"^/api/(models|datasets|spaces)/([^/]+)/([^/]+)(?:/(revision|tree|preupload|commit|paths-info)"
                     r"(?:/([^/]+))?(/.*)?)?$")
_RESOLVE_RE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$")


class _Handler(BaseHTTPRequestHandler):
    hub: LocalHub
    token: str | None  # None: read-only
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests and CLIs print their own summaries
        pass

    # ------------------------------------------------------------------ answers
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

    def _error(self, status: int, message: str, headers: dict | None = None):
        self._drain()
        message = message.replace("\r", " ").replace("\n", " ")
        self._send(status, json.dumps({"error": message}).encode(),
                   {"Content-Type": "application/json", "X-Error-Message": message[:500], **(headers or {})})

    def send_error(self, code, message=None, explain=None):
        # the base class answers a malformed request line or header with HTML (or, taking it for HTTP/0.9,
        # with no status line at all); answer JSON with a status line like the rest
        self.request_version = self.protocol_version
        self._error(code, message or self.responses.get(code, ("error",))[0])

    def _handle(self, route):
        self._body_read = False
        try:
            route()
        except HttpError as e:
            self._error(e.status, str(e), getattr(e, "headers", None))
        except RepoError as e:
            self._error(400, str(e))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
            self._error(400, f"bad request: {type(e).__name__}: {e}")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug of ours: still an answer, never a dropped connection
            self._error(500, f"internal error: {type(e).__name__}: {e}")

    do_GET = lambda self: self._handle(self._get)  # noqa: E731
    do_HEAD = do_GET
    do_POST = lambda self: self._handle(self._post)  # noqa: E731

    def _unsupported(self):
        self._handle(self._refuse_method)

    do_PUT = do_DELETE = do_PATCH = _unsupported

    def _refuse_method(self):
        raise HttpError(405, f"{self.command} is not served by the local hub")

    # ------------------------------------------------------------------ request parts
    def _body(self) -> bytes:
        raw = self.headers.get("Content-Length") or "0"
        if not raw.isdigit():
            raise HttpError(400, f"bad Content-Length {raw!r}")
        length = int(raw)
        if length > MAX_BODY:
            raise HttpError(413, f"request body of {length} bytes is over the {MAX_BODY} limit")
        self._body_read = True
        return self.rfile.read(length) if length else b""

    def _drain(self):
        """Before an error answer: read an unread request body, so the connection can serve the next request;
        close it when the body cannot be read safely (an unread body would be taken for the next request)."""
        if getattr(self, "_body_read", False) or getattr(self, "headers", None) is None:
            return
        raw = self.headers.get("Content-Length") or "0"
        if raw.isdigit() and int(raw) <= DRAIN_LIMIT:
            self.rfile.read(int(raw))
            self._body_read = True
        else:
            self.close_connection = True

    def _json_body(self) -> dict:
        body = json.loads(self._body() or b"{}")
        if not isinstance(body, dict):
            raise HttpError(400, f"expected a JSON object, got {type(body).__name__}")
        return body

    def _require_write(self):
        if not self.token:
            raise HttpError(403, f"this local hub is read-only: start it with {TOKEN_ENV} set to allow writes")
        given = self.headers.get("Authorization", "")
        if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), self.token.encode())):
            raise HttpError(401, "writes need 'Authorization: Bearer <token>' with the server's token "
                                 "(set HF_TOKEN for huggingface_hub)")

    def _endpoint(self) -> str:
        return f"http://{self.headers.get('Host', '127.0.0.1')}"

    def _repo(self, kind: str, owner: str, name: str) -> Path:
        repo = self.hub.repo_dir(kind, unquote(owner), unquote(name))
        if not repo.is_dir():
            raise HttpError(404, f"Repository {owner}/{name} not found")
        return repo

    def _check_revision(self, repo: Path, revision: str | None):
        revision = unquote(revision or "main")
        if revision not in ("main", self.hub.head(repo)):
            raise HttpError(404, f"Revision {revision} not found (this local hub serves main only)")

    # ------------------------------------------------------------------ routes
    def _get(self):
        url = urlparse(self.path)
        path = unquote(url.path)
        m = _API_RE.match(path)
        if m:
            kind, owner, name, verb, rev, rest = m.groups()
            repo = self._repo(kind, owner, name)
            self._check_revision(repo, rev if verb in ("revision", "tree") else None)
            if verb in (None, "revision"):
                return self._json(self._info(repo, f"{owner}/{name}"))
            if verb == "tree":
                recursive = parse_qs(url.query).get("recursive", ["false"])[0].lower() in ("1", "true")
                return self._json(self._tree(repo, (rest or "/").strip("/"), recursive))
            raise HttpError(405, f"GET not supported on {verb}")
        m = _RESOLVE_RE.match(path)
        if m:
            prefix, owner, name, rev, rel = m.groups()
            repo = self._repo(prefix or "models", owner, name)
            self._check_revision(repo, rev)
            return self._file(repo, rel)
        if path == "/api/whoami-v2":
            self._require_write()
            return self._json({"type": "user", "name": "local", "auth": {"accessToken": {"role": "write"}}})
        raise HttpError(404, f"not served by the local hub: {path}")

    def _file(self, repo: Path, rel: str):
        target = self.hub.file_path(repo, rel)
        if not target.is_file():
            raise HttpError(404, f"Entry not found: {rel}")
        data = target.read_bytes()
        headers = {"Content-Type": "application/octet-stream", "ETag": f'"{hashlib.sha1(data).hexdigest()}"',
                   "X-Repo-Commit": self.hub.head(repo), "Accept-Ranges": "bytes"}
        try:
            span = parse_range(self.headers.get("Range"), len(data))
        except HttpError as e:
            e.headers = {"Content-Range": f"bytes */{len(data)}"}
            raise
        if span is None:
            return self._send(200, data, headers)
        first, last = span
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        return self._send(206, data[first:last + 1], headers)

    def _post(self):
        path = unquote(urlparse(self.path).path)
        if path == "/api/repos/create":
            self._require_write()
            return self._create(self._json_body())
        if path == "/api/validate-yaml":
            content = self._json_body().get("content")
            if not isinstance(content, str):
                raise HttpError(400, "expected {\"content\": \"<card text>\"}")
            errors = validate_card_yaml(content)
            if errors:
                return self._send(400, json.dumps({"errors": [{"message": e} for e in errors]}).encode(),
                                  {"Content-Type": "application/json"})
            return self._json({"warnings": []})
        m = _API_RE.match(path)
        if not m:
            raise HttpError(404, f"not served by the local hub: {path}")
        kind, owner, name, verb, rev, _ = m.groups()
        if verb in ("preupload", "commit"):
            self._require_write()
        repo = self._repo(kind, owner, name)
        self._check_revision(repo, rev)
        if verb == "preupload":
            files = self._json_body().get("files")
            if not isinstance(files, list) or not all(isinstance(f, dict) and "path" in f for f in files):
                raise HttpError(400, "expected {\"files\": [{\"path\": ...}, ...]}")
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
        raise HttpError(405, f"POST not supported on {verb}")

    def _create(self, body: dict):
        rtype = body.get("type") or "model"
        if rtype not in KINDS:
            raise HttpError(400, f"repo type {rtype!r} is not one of {', '.join(KINDS)}")
        owner, name = body.get("organization") or "local", body.get("name")
        if not isinstance(owner, str) or not isinstance(name, str):
            raise HttpError(400, "'name' (and 'organization' if given) must be strings")
        kind = KINDS[rtype]
        created = self.hub.create(kind, owner, name)
        prefix = "" if kind == "models" else f"{kind}/"
        url = f"{self._endpoint()}/{prefix}{owner}/{name}"
        if not created:
            return self._send(409, json.dumps({"error": "You already created this repo", "url": url}).encode(),
                              {"Content-Type": "application/json"})
        return self._json({"url": url, "name": f"{owner}/{name}"})

    # ------------------------------------------------------------------ payloads
    def _info(self, repo: Path, repo_id: str) -> dict:
        log = self.hub.log(repo)
        stamp = "%Y-%m-%dT%H:%M:%S.000Z"
        return {"id": repo_id, "_id": repo_id, "sha": self.hub.head(repo), "private": False, "disabled": False,
                "gated": False, "downloads": 0, "likes": 0, "tags": [], "author": repo_id.split("/")[0],
                "lastModified": time.strftime(stamp, time.gmtime(log[-1]["time"] if log else 0)),
                "createdAt": time.strftime(stamp, time.gmtime(log[0]["time"] if log else 0)),
                "siblings": [{"rfilename": str(f.relative_to(repo))} for f in self.hub.files(repo)]}

    def _tree(self, repo: Path, sub: str, recursive: bool) -> list[dict]:
        base = self.hub.file_path(repo, sub) if sub else repo
        if not base.is_dir():
            return []
        entries = base.rglob("*") if recursive else base.iterdir()
        out = []
        for p in sorted(entries):
            if p.name == META or repo not in p.resolve().parents:
                continue
            rel = str(p.relative_to(repo))
            if p.is_dir():
                out.append({"type": "directory", "path": rel, "oid": hashlib.sha1(rel.encode()).hexdigest(), "size": 0})
            else:
                data = p.read_bytes()
                out.append({"type": "file", "path": rel, "size": len(data),
                            "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()})
        return out


def make_server(root: str | Path, host: str = "127.0.0.1", port: int = 0,
                token: str | None = None) -> ThreadingHTTPServer:
    """A ready server (call ``serve_forever``); ``port=0`` picks a free port (see ``server_address``).
    Without ``token`` it is read-only."""
    handler = type("LocalHubHandler", (_Handler,), {"hub": LocalHub(root), "token": token or None})
    return ThreadingHTTPServer((host, port), handler)


def serve(root: str | Path, host: str = "127.0.0.1", port: int = 8765, token_env: str = TOKEN_ENV) -> None:
    token = os.environ.get(token_env) or None
    server = make_server(root, host, port, token)
    where = "loopback only" if host in ("127.0.0.1", "localhost", "::1") else \
        f"reachable from other machines on {host}: anyone who can reach it can read every repo"
    access = (f"writes need the token in ${token_env}" if token
              else f"read-only (set ${token_env} to allow writes)")
    print(f"local hub: serving {Path(root).resolve()} at http://{host}:{server.server_address[1]} "
          f"({where}; {access}; set HF_ENDPOINT to this URL)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
