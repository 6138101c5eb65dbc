"""A leakage probe for a trained model: does it continue benchmark items better than their paraphrases?

For each item the first ``prompt_fraction`` of its tokens is the prompt and the next tokens (at most
``continuation_tokens``) the target. *Exact continuation* means greedy decoding reproduces the target
exactly; that holds exactly when, in one teacher-forced pass, the argmax at every target position is the
target token (the prefix stays the true one), so one forward pass per batch decides it. A model that saw
the items in training continues them far better than the same items reworded; a clean model does about
as well on both. The gap (items minus paraphrases) is the leakage score, with a bootstrap interval over
items.

Paraphrases come from a file aligned with the benchmark (e.g. the ORIGINAL wording of LEANER items, or an
LLM rewrite), or from :func:`reword`, a deterministic offline rewrite: a fixed table of everyday synonyms
and contractions. Items it does not change are left out of the comparison (their count is reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Our own small table of everyday rewordings (both directions are applied where listed twice).
SWAPS = {
    "big": "large", "large": "big", "small": "little", "little": "small", "happy": "glad", "glad": "happy",
    "start": "begin", "begin": "start", "started": "began", "began": "started", "quick": "fast", "fast": "quick",
    "quickly": "fast", "help": "aid", "helps": "aids", "buy": "purchase", "bought": "purchased",
    "said": "stated", "says": "states", "say": "state", "many": "lots of", "a lot of": "many",
    "very": "really", "really": "very", "maybe": "perhaps", "perhaps": "maybe", "think": "believe", "believe": "think",
    "also": "too", "job": "work", "kids": "children", "children": "kids", "kid": "child", "child": "kid",
    "people": "folks", "good": "fine", "bad": "poor", "find": "discover",
    "found": "discovered", "show": "display", "shows": "displays", "movie": "film", "film": "movie", "car": "auto",
    "end": "finish", "ended": "finished", "like": "enjoy", "likes": "enjoys", "get": "obtain", "got": "obtained",
    "make": "create", "made": "created", "use": "employ", "used": "employed", "tell": "inform", "told": "informed",
    "want": "wish", "wants": "wishes", "need": "require", "needs": "requires", "look": "glance", "looks": "seems",
    "about": "around", "big thing": "major thing", "do not": "don't", "don't": "do not", "does not": "doesn't",
    "doesn't": "does not", "is not": "isn't", "isn't": "is not", "it is": "it's", "it's": "it is", "can not": "cannot",
    "cannot": "can not", "did not": "didn't", "didn't": "did not", "was not": "wasn't", "wasn't": "was not",
}
_SWAP_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SWAPS), key=len, reverse=True)) + r")\b", re.IGNORECASE)


def reword(text: str) -> str:
    """A deterministic paraphrase: every word or phrase of :data:`SWAPS` replaced (case of the first letter kept)."""
    def swap(m):
        new = SWAPS[m[0].lower()]
        return new[0].upper() + new[1:] if m[0][0].isupper() else new
    return _SWAP_RE.sub(swap, text)


@dataclass
class ProbeResult:
    exact: np.ndarray  # per item: greedy decoding reproduces the continuation
    token_accuracy: np.ndarray  # per item: share of continuation tokens that are the argmax
    loss: np.ndarray  # per item: mean cross-entropy over the continuation


def continuation_scores(model, tokenizer, texts: list[str], prompt_fraction: float = 0.5,
                        continuation_tokens: int = 12, batch_size: int = 32) -> ProbeResult:
    import torch

    model.eval()
    device = next(model.parameters()).device
    encoded = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    exact, acc, loss = [], [], []
    for start in range(0, len(encoded), batch_size):
        chunk = encoded[start:start + batch_size]
        cuts = [max(1, int(len(ids) * prompt_fraction)) for ids in chunk]
        ends = [min(len(ids), c + continuation_tokens) for ids, c in zip(chunk, cuts)]
        width = max(ends)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        batch = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for i, (ids, e) in enumerate(zip(chunk, ends)):
            batch[i, :e] = torch.tensor(ids[:e])
            mask[i, :e] = 1
        with torch.no_grad():
            logits = model(input_ids=batch.to(device), attention_mask=mask.to(device)).logits.float().cpu()
        logp = torch.log_softmax(logits[:, :-1], -1)
        pred = logits[:, :-1].argmax(-1)
        for i, (c, e) in enumerate(zip(cuts, ends)):
            if e <= c:  # too short to have a continuation
                exact.append(np.nan), acc.append(np.nan), loss.append(np.nan)
                continue
            target = batch[i, c:e]
            hit = pred[i, c - 1:e - 1] == target
            exact.append(float(hit.all()))
            acc.append(float(hit.float().mean()))
            loss.append(float(-logp[i, torch.arange(c - 1, e - 1), target].mean()))
    return ProbeResult(np.array(exact), np.array(acc), np.array(loss))


def bootstrap_interval(diff: np.ndarray, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = rng.choice(diff, size=(rounds, len(diff)), replace=True).mean(1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def leakage_probe(model, tokenizer, items: list[str], paraphrases: list[str] | None = None,
                  prompt_fraction: float = 0.5, continuation_tokens: int = 12) -> dict:
    """Scores of ``items`` and their paraphrases (default :func:`reword`), and the gaps with 95 % intervals."""
    paraphrases = paraphrases if paraphrases is not None else [reword(t) for t in items]
    if len(paraphrases) != len(items):
        raise ValueError(f"{len(paraphrases)} paraphrases for {len(items)} items: they must align one to one")
    pairs = [(a, b) for a, b in zip(items, paraphrases) if a.strip() != b.strip()]
    if not pairs:
        raise ValueError("no item differs from its paraphrase: nothing to compare")
    orig = continuation_scores(model, tokenizer, [a for a, _ in pairs], prompt_fraction, continuation_tokens)
    para = continuation_scores(model, tokenizer, [b for _, b in pairs], prompt_fraction, continuation_tokens)
    ok = ~(np.isnan(orig.exact) | np.isnan(para.exact))
    out = {"items": len(items), "compared": int(ok.sum()), "unchanged_by_paraphrase": len(items) - len(pairs),
           "prompt_fraction": prompt_fraction, "continuation_tokens": continuation_tokens}
    for name in ("exact", "token_accuracy", "loss"):
        a, b = getattr(orig, name)[ok], getattr(para, name)[ok]
        lo, hi = bootstrap_interval(a - b)
        out[name] = {"items": float(a.mean()), "paraphrases": float(b.mean()), "gap": float((a - b).mean()),
                     "gap_95ci": [lo, hi]}
    return out


def format_probe(result: dict) -> str:
    from ..utils.tables import text_table

    rows = [[name, f"{r['items']:.3f}", f"{r['paraphrases']:.3f}", f"{r['gap']:+.3f}",
             f"[{r['gap_95ci'][0]:+.3f}, {r['gap_95ci'][1]:+.3f}]"]
            for name, r in ((k, result[k]) for k in ("exact", "token_accuracy", "loss"))]
    table = text_table(["continuation", "items", "paraphrases", "gap", "95% CI"], rows, numbers_right=True)
    return (f"{table}\n\n{result['compared']:,} items compared ({result['unchanged_by_paraphrase']:,} unchanged by the "
            f"paraphrase, left out); prompt = first {result['prompt_fraction']:.0%} of an item's tokens, then "
            f"{result['continuation_tokens']} tokens to continue. Exact continuation above 0 on items but not on "
            "paraphrases says the model saw the items; a small token-accuracy / loss gap alone is what rewording "
            "costs any model (the paraphrases use rarer words): compare with a model known clean.")
