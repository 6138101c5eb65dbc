"""``connect()``: the one way from endpoint settings to an ``LLMClient`` — a URL, or ``'local'`` to start the local
endpoint for the duration of the block — and ``EndpointArguments``, the endpoint flags every command that talks to
an LLM shares (judge, make-glue, make-eval, simplify's openai backend).

    with connect("local", cache_dir="out/llm_cache") as client:
        client.chat([{"role": "user", "content": "Hi"}])
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from hf_leaner.utils.args import arg, nonnegative_int, positive_float, positive_int
from hf_leaner.utils.errors import UsageError

from .client import public_url

LOCAL = "local"


@dataclass
class EndpointArguments:
    """An OpenAI-compatible endpoint: vLLM, TGI, llama.cpp, a hosted API, or ``hf-leaner serve-llm``."""

    base_url: str | None = arg(None, "the endpoint, ending in /v1 (e.g. http://127.0.0.1:8000/v1), or 'local' to "
                               "start the local SmolLM2-135M endpoint for this run")
    model: str | None = arg(None, "the model name the endpoint serves (default with 'local': its model)")
    api_key_env: str | None = arg(None, "environment variable holding the key (default HF_LEANER_LLM_API_KEY, then "
                                  "OPENAI_API_KEY); the key is never written anywhere")
    concurrency: int = arg(4, "requests in flight at once", value=positive_int)
    max_retries: int = arg(5, "retries of an endpoint fault, with backoff", value=nonnegative_int)
    timeout: float = arg(120.0, "seconds per request before it is retried", aliases=("--timeout_s",),
                         value=positive_float)

    def __post_init__(self):
        check_endpoint(self.base_url, self.model)


def check_endpoint(base_url: str | None, model: str | None, flag: str = "--base_url") -> None:
    """A URL needs the model name it serves; ``None`` and ``'local'`` mean the local endpoint."""
    if base_url in (None, LOCAL):
        return
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"{flag} {public_url(base_url)!r}: give the endpoint's URL (http(s)://HOST/v1) or '{LOCAL}'")
    if not model:
        model_flag = "--judge_model" if flag.startswith("--judge") else "--model"
        raise UsageError(f"{model_flag} is required with {flag} URL (the model name the endpoint serves)")


def check_reachable(base_url: str, timeout_s: float = 5.0) -> None:
    """Something listens at ``base_url``'s host and port, or one line now: a wrong port or a server not started
    would otherwise cost every request its retries (tens of seconds) and end in a table of failures."""
    import socket

    import httpx

    from hf_leaner.utils.errors import LeanerDataError

    url = httpx.URL(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.host, port), timeout=timeout_s).close()
    except OSError as e:
        why = e.strerror or type(e).__name__
        raise LeanerDataError(f"{public_url(base_url)}: nothing answers there ({why}); start the server, or give the "
                              "URL it listens on") from None


@contextlib.contextmanager
def connect(base_url: str | None = LOCAL, model: str | None = None, *, cache_dir: str | Path | None = None,
            log=None, **client_options) -> Iterator:
    """An ``LLMClient`` for ``base_url`` (``None`` or ``'local'``: the local endpoint, started here and stopped at
    the end of the block). ``client_options`` go to ``LLMClient`` (``max_concurrency``, ``timeout_s``, ...)."""
    from .client import LLMClient

    check_endpoint(base_url, model)
    with contextlib.ExitStack() as stack:
        if base_url in (None, LOCAL):
            from .server import LocalLLMServer

            if log:
                log("starting the local endpoint (SmolLM2-135M-Instruct on CPU)")
            server = stack.enter_context(LocalLLMServer())
            base_url, model = server.base_url, model or server.model
        else:
            check_reachable(base_url)
        client = LLMClient(base_url, model, cache_dir=cache_dir, **client_options)
        stack.callback(client.close)
        yield client


def client_options(endpoint: EndpointArguments) -> dict:
    """``EndpointArguments`` as ``connect()``/``LLMClient`` keywords."""
    return {"api_key_env": endpoint.api_key_env, "max_concurrency": endpoint.concurrency,
            "max_retries": endpoint.max_retries, "timeout_s": endpoint.timeout}
