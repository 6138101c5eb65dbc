"""The work behind `hf-leaner serve-llm` (cli.py only parses)."""
from __future__ import annotations

import functools


def cmd_serve_llm(args) -> int:
    from .llm.server import serve_until_stopped

    serve_until_stopped(port=args.port or None, model_dir=args.model_dir, out=functools.partial(print, flush=True))
    return 0
