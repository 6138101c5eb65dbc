"""A real HTTP proxy process in front of an OpenAI-compatible server that injects faults by plan.

    python tests/llm_fault_proxy.py --upstream http://127.0.0.1:PORT --plan '["429:1", "500", "forward"]'
        --port-file P --counter-file C

The plan is a JSON list: entry i applies to the i-th request received (0-based); requests past the end are
forwarded. An entry ending in "*" applies to that request and every later one. Entries:
  forward       pass the request to the upstream server and relay its answer
  429:S         answer 429 with Retry-After: S (seconds)       503:S  the same with 503
  500 / 502 / 503 / 504 / 400 / 401 ...   answer that status with a small JSON error body
  timeout[:S]   hold the connection open, answering nothing, for S seconds (default 60), then close it
  truncated     answer 200 with only the first half of a completion's body (Content-Length of the whole), close
  empty         answer 200 with a completion whose content is ""
  garbage       answer 200 with a body that is not JSON
  delay:S       forward after S seconds
  reply:TEXT    answer 200 with a completion whose content is TEXT (an error message or a copy sent as a reply)
The counter file holds the number of requests forwarded to the upstream; <counter>.stats.json also holds
`received`, `in_flight` and `max_in_flight` (the most requests the proxy held at one time)."""
from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def completion(content: str) -> dict:
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}}


class Proxy:
    def __init__(self, upstream: str, plan: list[str], counter_file: Path):
        self.upstream = upstream.rstrip("/")
        self.plan = plan
        self.counter_file = counter_file
        self.stats_file = counter_file.with_name(counter_file.name + ".stats.json")
        self.lock = threading.Lock()
        self.received = self.forwarded = self.in_flight = self.max_in_flight = 0
        self._write()

    def _write(self) -> None:
        tmp = self.counter_file.with_name(self.counter_file.name + ".tmp")
        tmp.write_text(str(self.forwarded))
        tmp.replace(self.counter_file)
        stats = dict(received=self.received, forwarded=self.forwarded, in_flight=self.in_flight,
                     max_in_flight=self.max_in_flight)
        tmp.write_text(json.dumps(stats))
        tmp.replace(self.stats_file)

    def action_for(self, number: int) -> str:
        for i, entry in enumerate(self.plan):
            if entry.endswith("*") and number >= i:
                return entry[:-1]
            if i == number:
                return entry
        return "forward"

    def begin(self) -> str:
        with self.lock:
            number = self.received
            self.received += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._write()
        return self.action_for(number)

    def end(self, forwarded: bool) -> None:
        with self.lock:
            self.in_flight -= 1
            self.forwarded += int(forwarded)
            self._write()


def make_handler(proxy: Proxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body: bytes, headers: dict | None = None, length: int | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _forward(self, body: bytes | None) -> tuple[int, bytes, dict]:
            request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command,
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=600) as response:
                    return response.status, response.read(), {}
            except urllib.error.HTTPError as error:
                return error.code, error.read(), {}

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if not self.path.startswith("/v1/chat/completions"):  # health, models: pass through, uncounted
                status, payload, _ = self._forward(body)
                return self._send(status, payload)
            action = proxy.begin()
            forwarded = False
            try:
                kind, _, arg = action.partition(":")
                if kind == "forward" or kind == "delay":
                    time.sleep(float(arg or 0))
                    status, payload, _ = self._forward(body)
                    forwarded = True
                    self._send(status, payload)
                elif kind == "truncated":
                    payload = json.dumps(completion("a reply cut short")).encode()
                    self._send(200, payload[: len(payload) // 2], length=len(payload))
                    self.close_connection = True
                elif kind == "timeout":
                    time.sleep(float(arg or 60))
                    self.close_connection = True
                elif kind == "empty":
                    self._send(200, json.dumps(completion("")).encode())
                elif kind == "reply":
                    self._send(200, json.dumps(completion(arg)).encode())
                elif kind == "garbage":
                    self._send(200, b"<html>upstream hiccup</html>")
                elif kind.isdigit():
                    headers = {"Retry-After": arg} if arg else {}
                    self._send(int(kind), json.dumps({"error": f"injected {kind}"}).encode(), headers)
                else:
                    self._send(599, json.dumps({"error": f"unknown plan entry {action!r}"}).encode())
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                proxy.end(forwarded)

        do_POST = do_GET = _handle

    return Handler


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--plan", default="[]", help="JSON list of plan entries")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True, help="written with the port once listening")
    parser.add_argument("--counter-file", required=True)
    args = parser.parse_args(argv)
    proxy = Proxy(args.upstream, json.loads(args.plan), Path(args.counter_file))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(proxy))
    server.daemon_threads = True
    port_file = Path(args.port_file)
    port_file.with_name(port_file.name + ".tmp").write_text(str(server.server_address[1]))
    port_file.with_name(port_file.name + ".tmp").replace(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
