"""Rewrite backends behind one interface: ``rewrite(requests) -> results``, same order, never raising for a
remote fault (a failed chunk comes back with ``error`` set).

* ``lexical``: the offline simplifier (:mod:`.lexical`), no model;
* ``openai``: any OpenAI-compatible endpoint through :class:`hf_leaner.llm.LLMClient` (async, bounded
  concurrency, retries with backoff, disk cache);
* ``transformers``: a local causal LM folder, batched ``generate`` with its chat template.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .prompts import AnswerFormatError, build_messages, parse_answer
from .rules import NameMap, scrub_private


@dataclass
class RewriteRequest:
    text: str
    genre: str
    kind: str = "prose"  # "prose" or "code"
    attempt: int = 0
    names: NameMap = field(default_factory=NameMap)  # shared by the chunks of one document


@dataclass
class RewriteResult:
    text: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.text is not None


class RewriteBackend:
    name = "backend"
    retries_help = False  # whether asking again can give a different answer (an LLM: yes)

    def rewrite(self, requests: list[RewriteRequest]) -> list[RewriteResult]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


class LexicalBackend(RewriteBackend):
    name = "lexical"

    def __init__(self):
        from .lexical import LexicalSimplifier

        self.simplifier = LexicalSimplifier()

    def rewrite(self, requests: list[RewriteRequest]) -> list[RewriteResult]:
        out = []
        for r in requests:
            if r.kind == "code":
                out.append(RewriteResult(self.simplifier.simplify_code_comments(r.text, r.names)))
            else:
                out.append(RewriteResult(self.simplifier.simplify(r.text, r.names)))
        return out


def _answer(raw: str | None, error: str | None) -> RewriteResult:
    if raw is None:
        return RewriteResult(None, error or "no reply")
    try:
        return RewriteResult(scrub_private(parse_answer(raw)))
    except AnswerFormatError as e:
        return RewriteResult(None, f"unparseable answer: {e}")


class OpenAIBackend(RewriteBackend):
    """Chunks go out concurrently (``max_concurrency`` requests at a time); faults retried by the client."""

    name = "openai"
    retries_help = True

    def __init__(self, base_url: str, model: str, max_concurrency: int = 4, max_tokens: int = 512,
                 temperature: float = 0.0, max_retries: int = 5, timeout_s: float = 120.0, cache_dir=None,
                 api_key_env: str | None = None):
        from hf_leaner.llm import LLMClient

        self.client = LLMClient(base_url, model, api_key_env=api_key_env, max_concurrency=max_concurrency,
                                max_retries=max_retries, timeout_s=timeout_s, cache_dir=cache_dir)
        self.model, self.max_tokens, self.temperature = model, max_tokens, temperature

    def rewrite(self, requests: list[RewriteRequest]) -> list[RewriteResult]:
        if not requests:
            return []
        # a retry asks at a higher temperature: the same prompt at 0 would get the cached, same answer
        params = [dict(max_tokens=self.max_tokens, temperature=self.temperature if r.attempt == 0 else 0.7)
                  for r in requests]
        results = []
        for temp in sorted({p["temperature"] for p in params}):
            idx = [i for i, p in enumerate(params) if p["temperature"] == temp]
            msgs = [build_messages(requests[i].text, requests[i].genre, requests[i].kind, requests[i].attempt)
                    for i in idx]
            replies = self.client.chat_many(msgs, max_tokens=self.max_tokens, temperature=temp, desc="simplify")
            results += list(zip(idx, replies))
        results.sort(key=lambda x: x[0])
        return [_answer(reply.text, reply.error) for _, reply in results]

    def describe(self) -> str:
        return f"openai ({self.model})"


class TransformersBackend(RewriteBackend):
    """A local chat model folder (for instance the one :func:`hf_leaner.llm.ensure_local_model` makes)."""

    name = "transformers"
    retries_help = True

    def __init__(self, model_path: str, batch_size: int = 4, max_new_tokens: int = 512):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_path, padding_side="left")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(model_path, torch_dtype=torch.float32).eval()
        self.model_path, self.batch_size, self.max_new_tokens = model_path, batch_size, max_new_tokens

    def rewrite(self, requests: list[RewriteRequest]) -> list[RewriteResult]:
        import torch

        out = []
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start:start + self.batch_size]
            prompts = [self.tokenizer.apply_chat_template(build_messages(r.text, r.genre, r.kind, r.attempt),
                                                          tokenize=False, add_generation_prompt=True) for r in batch]
            enc = self.tokenizer(prompts, return_tensors="pt", padding=True)
            sample = any(r.attempt for r in batch)
            with torch.no_grad():
                gen = self.model.generate(**enc, max_new_tokens=self.max_new_tokens, do_sample=sample,
                                          temperature=0.7 if sample else None, top_p=None, top_k=None,
                                          pad_token_id=self.tokenizer.pad_token_id)
            texts = self.tokenizer.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
            out += [_answer(t, None) for t in texts]
        return out

    def describe(self) -> str:
        return f"transformers ({self.model_path})"


BACKENDS = ("lexical", "openai", "transformers")


def make_backend(name: str, **kwargs) -> RewriteBackend:
    if name == "lexical":
        return LexicalBackend()
    if name == "openai":
        return OpenAIBackend(**kwargs)
    if name == "transformers":
        return TransformersBackend(**kwargs)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
