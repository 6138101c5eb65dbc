"""The one OpenAI-compatible chat client of the package (judge, simplify, benchmark builders all use it).

Async core on httpx with bounded concurrency, retries (exponential backoff with full jitter, honouring
Retry-After), a per-request timeout, and a SQLite disk cache of successful replies. A remote fault never
raises: after the retries it comes back as a ChatResult with `error` set and `text` None."""
from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import logging
import os
import random
import sqlite3
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

DEFAULT_KEY_ENVS = ("HF_LEANER_LLM_API_KEY", "OPENAI_API_KEY")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 600.0  # a server asking for longer than this is treated as asking for this


@dataclass
class ChatResult:
    text: str | None
    error: str | None = None
    attempts: int = 0
    cached: bool = False
    latency_s: float = 0.0
    usage: dict = field(default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0})
    cost: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


class _Fault(Exception):
    """A failed attempt: `retry` says whether another attempt may succeed; `wait_s` is the server's Retry-After."""

    def __init__(self, reason: str, retry: bool, wait_s: float | None = None):
        super().__init__(reason)
        self.reason, self.retry, self.wait_s = reason, retry, wait_s


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def cache_key(model: str, messages: list, params: dict, endpoint: str = "") -> str:
    """The reply cache's key: one endpoint's model, messages and parameters (another server's reply to the same
    request is another reply). ``endpoint`` is scheme://host:port/path, never credentials."""
    canonical = json.dumps({"model": model, "messages": messages, "params": params, "endpoint": endpoint},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ReplyCache:
    """Successful replies in one SQLite file. WAL journal and a commit per reply: a kill -9 loses at most the
    reply being written. Holds the request (model, messages, params), never the key or the endpoint."""

    def __init__(self, cache_dir: str | Path):
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(cache_dir) / "llm_cache.sqlite"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, request TEXT NOT NULL, "
                         "text TEXT NOT NULL, usage TEXT NOT NULL, created REAL NOT NULL)")

    def get(self, key: str) -> tuple[str, dict] | None:
        with self._lock:
            row = self._db.execute("SELECT text, usage FROM replies WHERE key = ?", (key,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def put(self, key: str, request: dict, text: str, usage: dict) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?)",
                             (key, json.dumps(request, ensure_ascii=False), text, json.dumps(usage), time.time()))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _Session:
    """What belongs to one event loop: the HTTP connection pool and the concurrency bound."""

    def __init__(self, client: "LLMClient"):
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(client.timeout_s),
                                      limits=httpx.Limits(max_connections=max(client.max_concurrency, 1) * 2))
        self.semaphore = asyncio.Semaphore(client.max_concurrency)


def public_url(url: str) -> str:
    """``url`` as it may be printed, logged or stored: without the user and password of ``http://user:key@host``
    (a key put there is still a key), the query or the fragment."""
    try:
        return str(httpx.URL(url).copy_with(username=None, password=None, query=None, fragment=None)).rstrip("/")
    except (httpx.InvalidURL, TypeError, ValueError):
        return "(an unparsable URL)"


class LLMClient:
    """Chat completions against any OpenAI-compatible endpoint (`base_url` ends in /v1)."""

    def __init__(self, base_url: str, model: str, *, api_key_env: str | None = None, max_concurrency: int = 4,
                 max_retries: int = 5, timeout_s: float = 120.0, cache_dir: str | Path | None = None,
                 price_per_1m_input: float | None = None, price_per_1m_output: float | None = None,
                 backoff_base_s: float = 1.0, backoff_max_s: float = 60.0):
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.price_per_1m_input = price_per_1m_input
        self.price_per_1m_output = price_per_1m_output
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.cache = ReplyCache(cache_dir) if cache_dir is not None else None
        self._stats = dict(requests=0, cache_hits=0, retries=0, failures=0, prompt_tokens=0,
                           completion_tokens=0, cost=0.0)
        self._sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Session]" = \
            weakref.WeakKeyDictionary()
        self._said: set[str] = set()
        self.endpoint_id = public_url(self.base_url)

    def __repr__(self) -> str:  # no key in here, ever
        return f"LLMClient(base_url={self.endpoint_id!r}, model={self.model!r}, max_concurrency={self.max_concurrency})"

    @property
    def stats(self) -> dict:
        """Counters since this client was made: `requests` are HTTP requests actually sent (retries included);
        tokens and `cost` count only replies received from the server, not cache hits."""
        return dict(self._stats)

    def _headers(self) -> dict:
        """Read the key at request time so it lives in no attribute of ours."""
        names = (self.api_key_env,) if self.api_key_env else DEFAULT_KEY_ENVS
        for name in names:
            key = os.environ.get(name)
            if key:
                return {"Authorization": f"Bearer {key}"}
        return {}

    def _cost(self, usage: dict) -> float | None:
        if self.price_per_1m_input is None and self.price_per_1m_output is None:
            return None
        return (usage.get("prompt_tokens", 0) * (self.price_per_1m_input or 0.0)
                + usage.get("completion_tokens", 0) * (self.price_per_1m_output or 0.0)) / 1e6

    # ---- async core -------------------------------------------------------------------------------------------
    def _session(self) -> _Session:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None:
            session = self._sessions[loop] = _Session(self)
        return session

    async def achat(self, messages: list[dict], **params) -> ChatResult:
        """One chat completion; never raises for a remote fault."""
        accept = params.pop("accept", None)  # a reply that fails this is returned but never cached
        request = {"model": self.model, "messages": messages, **params}
        key = cache_key(self.model, messages, params, endpoint=self.endpoint_id)
        start = time.monotonic()
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self._stats["cache_hits"] += 1
                text, usage = hit
                return ChatResult(text=text, attempts=0, cached=True, latency_s=time.monotonic() - start,
                                  usage=usage, cost=self._cost(usage))
        session = self._session()
        attempts, fault = 0, None
        async with session.semaphore:
            while True:
                attempts += 1
                try:
                    text, usage = await self._attempt(session.http, request)
                except _Fault as failed:
                    fault = failed
                    if not failed.retry or attempts > self.max_retries:
                        self._say_once("final " + failed.reason,
                                       f"{self.endpoint_id}: {failed.reason}; recorded as a failed request")
                        break
                    self._stats["retries"] += 1
                    wait_s = self._backoff(attempts, failed.wait_s)
                    self._say_once("retry " + failed.reason, f"{self.endpoint_id}: {failed.reason}; retrying with "
                                                             f"backoff (up to {self.max_retries} retries per request)")
                    if failed.wait_s is not None and failed.wait_s > wait_s:
                        self._say_once("retry-after", f"{self.endpoint_id} asks to wait {failed.wait_s:.0f} s; waiting "
                                                      f"{wait_s:.0f} s (at most the timeout) before each retry")
                    await asyncio.sleep(wait_s)
                    continue
                cost = self._cost(usage)
                self._stats["prompt_tokens"] += usage["prompt_tokens"]
                self._stats["completion_tokens"] += usage["completion_tokens"]
                self._stats["cost"] += cost or 0.0
                if self.cache is not None and (accept is None or accept(text)):
                    self.cache.put(key, request, text, usage)
                return ChatResult(text=text, attempts=attempts, latency_s=time.monotonic() - start,
                                  usage=usage, cost=cost)
        self._stats["failures"] += 1
        error = f"{fault.reason} after {attempts} attempts" if attempts > 1 else fault.reason
        return ChatResult(text=None, error=error, attempts=attempts, latency_s=time.monotonic() - start)

    def _say_once(self, what: str, line: str) -> None:
        """The first fault of each kind is said at once, in one line (a dead endpoint must not look like a slow one)."""
        if what not in self._said:
            self._said.add(what)
            logger.warning(line)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_S, self.timeout_s)
        # full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1)))

    async def _attempt(self, http: httpx.AsyncClient, request: dict) -> tuple[str, dict]:
        self._stats["requests"] += 1
        try:  # httpx's timeout is per read; wait_for bounds the whole request (a server trickling bytes)
            response = await asyncio.wait_for(
                http.post(f"{self.base_url}/chat/completions", json=request, headers=self._headers()),
                self.timeout_s)
        except (httpx.TimeoutException, asyncio.TimeoutError):
            raise _Fault("timeout", retry=True) from None
        except httpx.RequestError as exc:  # refused, reset, or the body cut short
            raise _Fault(f"connection error ({type(exc).__name__})", retry=True) from None
        if response.status_code != 200:
            status = response.status_code
            retry = status in RETRY_STATUSES or status >= 500 and status != 501
            raise _Fault(f"http {status}", retry=retry, wait_s=retry_after_seconds(response.headers.get("retry-after")))
        try:
            body = response.json()
            choice = body["choices"][0]
            text = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise _Fault("unparseable response body", retry=True) from None
        if not isinstance(text, str) or not text.strip():
            raise _Fault("empty reply", retry=True)
        return text, self._usage(body.get("usage"))

    @staticmethod
    def _usage(reported) -> dict:
        """Token counts as the server reports them; 0 where it does not say (or says nonsense)."""
        usage = {}
        for name in ("prompt_tokens", "completion_tokens"):
            try:
                usage[name] = int(reported.get(name) or 0)
            except (AttributeError, TypeError, ValueError):
                usage[name] = 0
        return usage

    async def achat_many(self, list_of_messages: list[list[dict]], desc: str = "llm",
                         per_request: list[dict] | None = None, **params) -> list[ChatResult]:
        """``per_request[i]`` (optional) adds or overrides parameters of request ``i`` (its own max_tokens, say)."""
        from tqdm.auto import tqdm

        bar = tqdm(total=len(list_of_messages), desc=desc, disable=not sys.stderr.isatty())
        extra = per_request or [{}] * len(list_of_messages)

        async def one(messages, own):
            result = await self.achat(messages, **{**params, **own})
            bar.update(1)
            return result

        try:
            return list(await asyncio.gather(*(one(m, e) for m, e in zip(list_of_messages, extra))))
        finally:
            bar.close()

    async def aclose(self) -> None:
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.http.aclose()

    # ---- sync wrappers ----------------------------------------------------------------------------------------
    def chat(self, messages: list[dict], **params) -> ChatResult:
        return self._run(self.achat(messages, **params))

    def chat_many(self, list_of_messages: list[list[dict]], desc: str = "llm", per_request: list[dict] | None = None,
                  **params) -> list[ChatResult]:
        """Same order as given; bounded concurrency; never raises for a remote fault."""
        return self._run(self.achat_many(list_of_messages, desc=desc, per_request=per_request, **params))

    def _run(self, coroutine):
        async def run_and_close():
            try:
                return await coroutine
            finally:
                await self.aclose()

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(run_and_close())
        # called from inside a running loop (a notebook, an async app): run on a loop of our own in a thread
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, run_and_close()).result()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
