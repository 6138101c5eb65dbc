"""Hub commands: ``push-model``, ``push-results`` (scores into ``.eval_results`` and the card), ``local-hub`` (a
local folder served as a Hub endpoint), ``serve-llm`` (the local OpenAI-compatible LLM endpoint)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from hf_leaner.utils.args import arg, existing_dir, port, repo_id, writable_output
from hf_leaner.utils.errors import UsageError

from .registry import Command


@dataclass
class PushModelArguments:
    folder: str = arg(None, "a folder written by `pretrain` or `eval-glue --save_models`", positional=True,
                      value=existing_dir)
    repo: str = arg(None, "the Hub model repo, owner/name", aliases=("--push_to_hub",), value=repo_id, required=True)
    private: bool = arg(False, "create the repo private")

    def __post_init__(self):
        folder = Path(self.folder)
        if not ((folder / "hf_leaner_summary.json").is_file() or (folder / "hf_leaner_glue.json").is_file()):
            raise UsageError(f"{self.folder}: neither hf_leaner_summary.json nor hf_leaner_glue.json; push-model takes "
                             "a folder written by `hf-leaner pretrain` or by `eval-glue --save_models`")


def run_push_model(args: PushModelArguments, progress: bool) -> int:
    from hf_leaner.hub.model_card import push_model

    print(f"pushed: {push_model(args.folder, args.repo, private=args.private or None)}")
    return 0


@dataclass
class PushResultsArguments:
    run: str = arg(None, "an eval-glue or eval-zero-shot output folder (holds results.json)", positional=True,
                   value=existing_dir)
    repo: str = arg(None, "the Hub model repo, owner/name", value=repo_id, required=True)
    private: bool = arg(False, "create the repo private")
    model: str | None = arg(None, "eval-zero-shot runs of several models: the model to push (its name in results.json)")


def run_push_results(args: PushResultsArguments, progress: bool) -> int:
    from hf_leaner.hub.eval_results import push_results

    print(f"pushed: {push_results(args.run, args.repo, private=args.private or None, model=args.model)}")
    return 0


@dataclass
class LocalHubArguments:
    root: str = arg(None, "folder holding models/ and datasets/ repos", value=writable_output, required=True)
    host: str = arg("127.0.0.1", "bind address (keep it loopback)")
    port: int = arg(8765, "0 picks a free port", value=port)
    token_env: str = arg("HF_LEANER_HUB_TOKEN", "environment variable holding the write token (unset: the hub is "
                         "read-only)")


def run_local_hub(args: LocalHubArguments, progress: bool) -> int:
    from hf_leaner.hub.local_hub import serve

    serve(args.root, args.host, args.port, token_env=args.token_env)
    return 0


@dataclass
class ServeLLMArguments:
    port: int = arg(0, "0 picks a free port", value=port)
    model_dir: str | None = arg(None, "folder of the converted model (default: the hf-leaner cache)")


def run_serve_llm(args: ServeLLMArguments, progress: bool) -> int:
    from hf_leaner.llm.server import serve_until_stopped

    serve_until_stopped(port=args.port or None, model_dir=args.model_dir, out=functools.partial(print, flush=True))
    return 0


COMMANDS = [
    Command("push-model", "push a folder written by `pretrain` (card with eval results included)",
            (PushModelArguments,), run_push_model),
    Command("push-results", "put an eval-glue run's results into a Hub repo's .eval_results and card",
            (PushResultsArguments,), run_push_results),
    Command("local-hub", "serve a local folder as a Hub endpoint (then set HF_ENDPOINT to it)", (LocalHubArguments,),
            run_local_hub),
    Command("serve-llm", "serve the local OpenAI-compatible LLM endpoint (SmolLM2-135M-Instruct, CPU)",
            (ServeLLMArguments,), run_serve_llm),
]
