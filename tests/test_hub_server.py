"""The local Hub server as a boundary: raw HTTP requests against it running as its own process."""

import base64
import http.client
import json
import socket
from urllib.parse import urlparse

import pytest
from conftest import local_hub

TOKEN = "server-write-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    base = tmp_path_factory.mktemp("boundary")
    root = base / "hub"
    with local_hub(root, token=TOKEN) as (url, line):
        yield {"url": url, "root": root, "base": base, "line": line}


def request(url, method, path, body=None, headers=None):
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    conn.request(method, path, body=data, headers=headers or {})
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), payload


def error_of(payload: bytes) -> str:
    return json.loads(payload)["error"]


def commit_body(*ops) -> bytes:
    lines = [{"key": "header", "value": {"summary": "test"}}] + list(ops)
    return b"\n".join(json.dumps(x).encode() for x in lines)


def add(path, data: bytes):
    return {"key": "file", "value": {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}}


@pytest.fixture(scope="module")
def repo(hub):
    status, _, _ = request(hub["url"], "POST", "/api/repos/create", {"type": "model", "name": "r", "organization": "me"},
                           AUTH)
    assert status == 200
    status, _, payload = request(hub["url"], "POST", "/api/models/me/r/commit/main",
                                 commit_body(add("ten.bin", b"0123456789")), AUTH)
    assert status == 200, payload
    return hub["root"] / "models/me/r"


def outside_files(hub):
    """Every file under the test's base folder that is not under the hub root."""
    return [p for p in hub["base"].rglob("*") if p.is_file() and hub["root"] not in p.parents]


def test_startup_line_says_loopback_and_write_token(hub):
    assert "127.0.0.1" in hub["line"] and "loopback only" in hub["line"] and "token" in hub["line"]


@pytest.mark.parametrize("body", [
    {"type": "../../x", "name": "evil", "organization": "me"},
    {"type": "/tmp/abs", "name": "evil"},
    {"type": "model", "name": "evil", "organization": "/tmp/abs"},
    {"type": "model", "name": "..", "organization": "me"},
    {"type": "model", "name": "a/../../b", "organization": "me"},
    {"type": "dataset", "name": "x--y", "organization": "me"},
    {"type": "dataset", "name": "-bad", "organization": "me"},
    {"type": "model", "name": 5},
    {"type": "space", "name": "r" * 97},
])
def test_create_refuses_repo_types_and_ids_outside_the_grammar(hub, body):
    status, headers, payload = request(hub["url"], "POST", "/api/repos/create", body, AUTH)
    assert status == 400 and headers["Content-Type"] == "application/json", payload
    assert error_of(payload)
    assert outside_files(hub) == [] and not (hub["base"] / "x").exists()


def test_writes_need_the_servers_token(hub):
    body = {"type": "model", "name": "anon", "organization": "me"}
    assert request(hub["url"], "POST", "/api/repos/create", body)[0] == 401
    assert request(hub["url"], "POST", "/api/repos/create", body, {"Authorization": "Bearer wrong"})[0] == 401
    assert not (hub["root"] / "models/me/anon").exists()


def test_without_a_token_the_server_is_read_only(tmp_path):
    with local_hub(tmp_path / "ro") as (url, line):
        assert "read-only" in line
        status, _, payload = request(url, "POST", "/api/repos/create", {"name": "x"}, AUTH)
        assert status == 403 and "read-only" in error_of(payload)
    assert not (tmp_path / "ro" / "models").exists()


@pytest.mark.parametrize("bad_op", [
    {"key": "file", "value": {"path": "../escape.txt", "content": "eA==", "encoding": "base64"}},
    {"key": "file", "value": {"path": "/etc/abs.txt", "content": "eA==", "encoding": "base64"}},
    {"key": "file", "value": {"path": ".local_hub.json", "content": "W10=", "encoding": "base64"}},
    {"key": "file", "value": {"path": "bad.bin", "content": "not base64!!", "encoding": "base64"}},
    {"key": "deletedFolder", "value": {"path": ".."}},
    {"key": "lfsFile", "value": {"path": "big.bin"}},
    {"key": "file", "value": "not an object"},
])
def test_a_rejected_commit_leaves_nothing(hub, repo, bad_op):
    log_before = (repo / ".local_hub.json").read_text()
    status, _, payload = request(hub["url"], "POST", "/api/models/me/r/commit/main",
                                 commit_body(add("first-good.txt", b"ok"), bad_op), AUTH)
    assert status == 400, payload
    assert error_of(payload)
    assert not (repo / "first-good.txt").exists() and (repo / "ten.bin").read_bytes() == b"0123456789"
    assert (repo / ".local_hub.json").read_text() == log_before
    assert outside_files(hub) == [] and not list((hub["root"] / ".staging").glob("*"))


@pytest.mark.parametrize("method, path, body, headers, status", [
    ("POST", "/api/repos/create", b"{not json", {}, 400),
    ("POST", "/api/repos/create", b"[1, 2]", {}, 400),
    ("POST", "/api/models/me/r/commit/main", b"{\"key\": ", {}, 400),
    ("POST", "/api/validate-yaml", b"{}", {}, 400),
    ("POST", "/api/models/me/r/preupload/main", b"{\"files\": 3}", {}, 400),
    ("GET", "/api/models/me/../tree/main", None, {}, 400),
    ("GET", "/me/r/resolve/main/..%2F..%2F..%2Fetc%2Fpasswd", None, {}, 400),
    ("GET", "/api/models/me/nope", None, {}, 404),
    ("GET", "/me/r/resolve/main/missing.bin", None, {}, 404),
    ("PUT", "/api/models/me/r", b"x", {}, 405),
    ("DELETE", "/api/models/me/r", None, {}, 405),
])
def test_malformed_requests_get_a_json_4xx(hub, repo, method, path, body, headers, status):
    got, resp_headers, payload = request(hub["url"], method, path, body, {**AUTH, **headers})
    assert got == status, payload
    assert resp_headers["Content-Type"] == "application/json" and error_of(payload)


def test_a_bad_content_length_and_a_garbage_request_line_get_json(hub):
    u = urlparse(hub["url"])
    for raw in (b"POST /api/repos/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                + b"\r\nContent-Length: abc\r\n\r\n",
                b"NONSENSE\r\n\r\n"):
        with socket.create_connection((u.hostname, u.port), timeout=30) as s:
            s.sendall(raw)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0], answer
        assert json.loads(body)["error"]


@pytest.mark.parametrize("rng, status, body, content_range", [
    ("bytes=2-4", 206, b"234", "bytes 2-4/10"),
    ("bytes=7-", 206, b"789", "bytes 7-9/10"),
    ("bytes=-3", 206, b"789", "bytes 7-9/10"),
    ("bytes=-500", 206, b"0123456789", "bytes 0-9/10"),
    ("bytes=8-100", 206, b"89", "bytes 8-9/10"),
    ("bytes=10-", 416, None, "bytes */10"),
    ("bytes=-0", 416, None, "bytes */10"),
    ("bytes=5-2", 200, b"0123456789", None),
    ("items=0-1", 200, b"0123456789", None),
    ("bytes=0-1,4-5", 200, b"0123456789", None),
])
def test_range_requests_follow_rfc_9110(hub, repo, rng, status, body, content_range):
    got, headers, payload = request(hub["url"], "GET", "/me/r/resolve/main/ten.bin", headers={"Range": rng})
    assert got == status
    assert headers.get("Content-Range") == content_range
    if body is not None:
        assert payload == body
