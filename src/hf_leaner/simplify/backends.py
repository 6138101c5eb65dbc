"""Rewrite backends behind one interface: ``rewrite(requests) -> results``, same order, never raising for a
remote fault (a failed chunk comes back with ``error`` set).

* ``lexical``: the offline simplifier (:mod:`.lexical`), no model;
* ``openai``: any OpenAI-compatible endpoint through :class:`hf_leaner.llm.LLMClient` (async, bounded
  concurrency, retries with backoff, disk cache);
* ``transformers``: a local causal LM folder, batched ``generate`` with its chat template.

``BACKENDS`` is the registry (name -> class, with a one-line ``description``): a command line reads its choices
and help from it, and :func:`make_backend` builds from it. Add one with ``@register_backend("name", "what it is")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .chunking import approx_tokens
from .prompts import PROMPT_STYLES, AnswerFormatError, build_messages, parse_answer
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
    description = ""
    retries_help = False  # whether asking again can give a different answer (an LLM: yes)

    def rewrite(self, requests: list[RewriteRequest]) -> list[RewriteResult]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


BACKENDS: dict[str, type[RewriteBackend]] = {}


def register_backend(name: str, description: str):
    """Class decorator: the backend is built by ``make_backend(name, **kwargs)`` and listed in ``BACKENDS``."""
    def wrap(cls):
        cls.name, cls.description = name, description
        BACKENDS[name] = cls
        return cls
    return wrap


def backends_help() -> str:
    """One line per registered backend, ``name: description`` (for a command's ``--help``)."""
    return "; ".join(f"{name}: {cls.description}" for name, cls in BACKENDS.items())


@register_backend("lexical", "the offline word-level simplifier, no model")
class LexicalBackend(RewriteBackend):
    def __init__(self, **_settings):  # no settings; an LLM backend's (model, URL) are ignored, as before
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


def reply_budget(text: str, cap: int) -> int:
    """Tokens an answer to ``text`` may take: twice the chunk and room for markers, at most ``cap``. A small
    model that loops stops soon instead of filling a fixed 512-token cap (the loop is then rejected)."""
    return min(cap, 2 * approx_tokens(text) + 24)


class LLMBackend(RewriteBackend):
    """What the LLM backends share: the prompt style and what is done to an answer."""

    retries_help = True

    def __init__(self, prompt_style: str = "full"):
        if prompt_style not in PROMPT_STYLES:
            raise ValueError(f"unknown prompt style {prompt_style!r}; choose one of {', '.join(PROMPT_STYLES)}")
        self.prompt_style = prompt_style
        self._rules = None

    def messages(self, r: RewriteRequest) -> list[dict]:
        return build_messages(r.text, r.genre, r.kind, r.attempt, self.prompt_style)

    def answer(self, raw: str | None, error: str | None, request: RewriteRequest) -> RewriteResult:
        """The parsed rewrite with our rules applied in code (names by initial, places, vague times, private
        data, markup): a model asked to follow them may miss some (a small one misses most), and the rules are
        a property of the output, the same for every backend. Vocabulary and sentences stay the model's."""
        if raw is None:
            return RewriteResult(None, error or "no reply")
        try:
            text = parse_answer(raw, request.text, request.kind)
        except AnswerFormatError as e:
            return RewriteResult(None, f"unparseable answer: {e}")
        if request.kind != "prose":
            return RewriteResult(scrub_private(text))
        if self._rules is None:
            from .lexical import LexicalSimplifier

            self._rules = LexicalSimplifier()
        text = self._rules.apply_rules(text, request.names).strip()
        return RewriteResult(text, None) if text else RewriteResult(None, "unparseable answer: nothing left after the rules")


@register_backend("openai", "any OpenAI-compatible endpoint (a URL and a model name)")
class OpenAIBackend(LLMBackend):
    """Chunks go out concurrently (``max_concurrency`` requests at a time); faults retried by the client."""


    def __init__(self, base_url: str, model: str, max_concurrency: int = 4, max_tokens: int = 512,
                 temperature: float = 0.0, max_retries: int = 5, timeout_s: float = 120.0, cache_dir=None,
                 api_key_env: str | None = None, prompt_style: str = "full"):
        from hf_leaner.llm import LLMClient

        super().__init__(prompt_style)
        self.client = LLMClient(base_url, model, api_key_env=api_key_env, max_concurrency=max_concurrency,
                                max_retries=max_retries, timeout_s=timeout_s, cache_dir=cache_dir)
        self.model, self.max_tokens, self.temperature = model, max_tokens, temperature

    def rewrite(self, requests: list[RewriteRequest]) -> list[RewriteResult]:
        if not requests:
            return []
        # a retry asks at a higher temperature, and each retry with its own seed: the same request again
        # would get the cached (or the same sampled) answer
        own = [dict(max_tokens=reply_budget(r.text, self.max_tokens), temperature=self.temperature) if r.attempt == 0
               else dict(max_tokens=reply_budget(r.text, self.max_tokens), temperature=0.7, seed=r.attempt)
               for r in requests]
        replies = self.client.chat_many([self.messages(r) for r in requests], desc="simplify", per_request=own)
        return [self.answer(reply.text, reply.error, r) for r, reply in zip(requests, replies)]

    def describe(self) -> str:
        return f"openai ({self.model})"


@register_backend("transformers", "a local causal LM folder, generating with its chat template")
class TransformersBackend(LLMBackend):
    """A local chat model folder (for instance the one :func:`hf_leaner.llm.ensure_local_model` makes)."""


    def __init__(self, model_path: str, batch_size: int = 4, max_new_tokens: int = 512, prompt_style: str = "full"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        super().__init__(prompt_style)
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
            prompts = [self.tokenizer.apply_chat_template(self.messages(r), tokenize=False, add_generation_prompt=True)
                       for r in batch]
            enc = self.tokenizer(prompts, return_tensors="pt", padding=True)
            sample = any(r.attempt for r in batch)
            with torch.no_grad():
                budget = max(reply_budget(r.text, self.max_new_tokens) for r in batch)
                gen = self.model.generate(**enc, max_new_tokens=budget, do_sample=sample,
                                          temperature=0.7 if sample else None, top_p=None, top_k=None,
                                          pad_token_id=self.tokenizer.pad_token_id)
            texts = self.tokenizer.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
            out += [self.answer(t, None, r) for t, r in zip(texts, batch)]
        return out

    def describe(self) -> str:
        return f"transformers ({self.model_path})"


def make_backend(name: str, **kwargs) -> RewriteBackend:
    """The registered backend ``name``, built with ``kwargs`` (the lexical one ignores them)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name](**kwargs)
