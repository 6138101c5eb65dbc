"""A sentence's log-probability under each family's own objective, batched: the number minimal pairs compare.

    >>> scorer = SentenceScorer.from_pretrained("outputs/pretrain")
    >>> scorer.log_probs(["The cats sleep.", "The cats sleeps."])     # float64 array, natural log

* **causal** (LLaMA, Mamba2, any causal LM): the sum of every token's log-probability given the tokens before it,
  with the start token prepended so the first word is scored too. The start token is the separator pretraining
  put between packed documents (``<|endoftext|>``): a sentence is read as a document start.
* **masked** (BERT): the pseudo-log-likelihood, one copy per token with that token masked (Salazar et al. 2020),
  inside ``[CLS] ... [SEP]`` as pretraining packed it; ``pll="word_l2r"`` also masks the later tokens of the same
  word (Kauf & Ivanova 2023), so a word split in pieces is not scored from its own pieces.
* **permutation** (XLNet), after the ``<sep>`` that ends a packed document. ``permutation_reading="left_to_right"``
  (default): the permutation LM read in the identity order, all positions in one pass, each token a target that sees
  only the tokens before it (``perm_mask``): a true code length, comparable with the causal families'.
  ``"pseudo"``: the pseudo-log-likelihood as for a masked LM, one copy per token in which no position sees that
  token (nor, with ``word_l2r``, the rest of its word) and it is the one target (``target_mapping``): each token
  predicted from every other, the context most of a pretraining block's targets had (a 1M XLNet: 2.78 bits per
  character this way against 2.87 left to right, at ~40x the cost).

Every sentence is scored by the model's own tokenizer, log-softmax in fp32, summed in float64, with no gradients.
Sentences are deduplicated and batched by token length under a budget of token positions (and of logits, for large
vocabularies): a batch holds one length, so there is no padding and no attention mask (attention's fast path).
"""

from __future__ import annotations

import numpy as np
import torch

from .readings import OBJECTIVES, PERMUTATION_READINGS, PLL_VARIANTS, objective_of, reading_of

_MAX_LOGITS = 1 << 26  # floats of logits one batch may hold (256 MB)


class SentenceScorer:
    """Batched sentence log-probabilities of one model (see the module docstring for each objective)."""

    def __init__(self, model, tokenizer, objective: str | None = None, *, batch_tokens: int = 4096,
                 pll: str = "original", permutation_reading: str = "left_to_right", device: str | None = None):
        if pll not in PLL_VARIANTS:
            raise ValueError(f"pll={pll!r}: choose one of {', '.join(PLL_VARIANTS)}")
        if permutation_reading not in PERMUTATION_READINGS:
            raise ValueError(f"permutation_reading={permutation_reading!r}: choose one of "
                             f"{', '.join(PERMUTATION_READINGS)}")
        self.objective = objective or objective_of(model.config)
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective={self.objective!r}: choose one of {', '.join(OBJECTIVES)}")
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).float().eval()
        self.tokenizer, self.pll, self.permutation_reading = tokenizer, pll, permutation_reading
        vocab = model.get_output_embeddings().weight.shape[0]
        self.batch_tokens = max(1, min(batch_tokens, _MAX_LOGITS // vocab))
        self.start_id = self._start_id()
        self._masked_head = self._head_apart() if self.objective == "masked" else None

    def _head_apart(self):
        """A masked LM's prediction head when it is one module beside the encoder (BERT's ``cls``, RoBERTa's
        ``lm_head``), so it can run at the masked positions only: in a tiny BERT the hidden x vocabulary head is a
        quarter of the work per position, and a pseudo-log-likelihood needs one position of each copy. None
        (every position's logits) for any other layout."""
        base = self.model.base_model
        heads = [module for _, module in self.model.named_children() if module is not base]
        return heads[0] if len(heads) == 1 and base is not self.model else None

    @classmethod
    def from_pretrained(cls, name: str, untrained_seed: int | None = None, **kwargs) -> "SentenceScorer":
        """The model and tokenizer of a folder or Hub id; with ``untrained_seed``, its config with fresh random
        weights (the untrained baseline a trained model is read against)."""
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, XLNetLMHeadModel

        from hf_leaner.models.tokenizer import load_tokenizer

        config = AutoConfig.from_pretrained(name)
        objective = objective_of(config)
        loader = {"causal": AutoModelForCausalLM, "masked": AutoModelForMaskedLM,
                  "permutation": XLNetLMHeadModel}[objective]
        if untrained_seed is None:
            model = loader.from_pretrained(name)
        else:
            torch.manual_seed(untrained_seed)
            model = XLNetLMHeadModel(config) if loader is XLNetLMHeadModel else loader.from_config(config)
        return cls(model, load_tokenizer(name), objective, **kwargs)

    def _start_id(self) -> int | None:
        tok = self.tokenizer
        if self.objective == "causal":
            return tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        if self.objective == "permutation":
            return tok.sep_token_id
        if tok.mask_token_id is None or tok.cls_token_id is None or tok.sep_token_id is None:
            raise ValueError("a masked LM's tokenizer needs [MASK], [CLS] and [SEP] tokens for the pseudo-log-likelihood")
        return tok.cls_token_id

    # ---- public ----

    @property
    def pseudo(self) -> bool:
        """Whether a sentence's score is a pseudo-log-likelihood (compares models of one family, not a code length)."""
        return self.objective == "masked" or (self.objective == "permutation" and self.permutation_reading == "pseudo")

    @property
    def reading(self) -> str:
        return reading_of(self.objective, self.pll, self.permutation_reading)

    def log_probs(self, sentences: list[str]) -> np.ndarray:
        """log P(sentence) for each sentence (float64, natural log)."""
        unique = list(dict.fromkeys(sentences))
        encoded = self.tokenizer(unique, add_special_tokens=False)
        pieces = [(ids, encoded.word_ids(k)) for k, ids in enumerate(encoded["input_ids"])]
        scores = np.zeros(len(unique), dtype=np.float64)
        order = sorted(range(len(unique)), key=lambda k: len(pieces[k][0]))
        score_batch = {"causal": self._causal, "masked": self._masked, "permutation": self._permutation}[self.objective]
        with torch.inference_mode():
            for batch in self._batches(order, pieces):
                scores[batch] = score_batch([pieces[k] for k in batch])
        index = {s: k for k, s in enumerate(unique)}
        return np.array([scores[index[s]] for s in sentences], dtype=np.float64)

    # ---- batching ----

    def _positions(self, n_tokens: int) -> int:
        """Token positions the model reads for one sentence (a masked LM reads one copy per token)."""
        if self.objective == "masked":
            return (n_tokens + 2) * n_tokens
        return (n_tokens + 1) * n_tokens if self.pseudo else n_tokens + 1

    def _batches(self, order: list[int], pieces):
        """Sentences of one token length per batch (``order`` is sorted by length): no padding, so no attention
        mask, which lets attention take its fast path."""
        batch, length = [], None
        for k in order:
            n = len(pieces[k][0])
            if batch and (n != length or self._positions(n) * (len(batch) + 1) > self.batch_tokens):
                yield batch
                batch = []
            batch.append(k)
            length = n
        if batch:
            yield batch

    def _tensor(self, rows: list[list[int]]) -> torch.Tensor:
        return torch.tensor(rows, dtype=torch.long, device=self.device)  # one length per batch: nothing to pad

    @staticmethod
    def _gather(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return logits.float().log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)

    # ---- the three objectives ----

    def _causal(self, batch) -> np.ndarray:
        prefix = [self.start_id] if self.start_id is not None else []  # without one, the first token goes unscored
        ids = self._tensor([prefix + list(t) for t, _ in batch])
        logits = self.model(input_ids=ids).logits[:, :-1]
        return self._gather(logits, ids[:, 1:]).double().sum(-1).cpu().numpy()

    def _masked(self, batch) -> np.ndarray:
        tok = self.tokenizer
        rows, owner, targets, where = [], [], [], []
        for b, (tokens, word_ids) in enumerate(batch):
            full = [tok.cls_token_id, *tokens, tok.sep_token_id]
            for i in range(len(tokens)):
                copy = list(full)
                for j in self._hidden(i, word_ids):
                    copy[j + 1] = tok.mask_token_id
                rows.append(copy)
                owner.append(b)
                targets.append(tokens[i])
                where.append(i + 1)
        ids, rows_at, where = self._tensor(rows), torch.arange(len(rows)), torch.tensor(where, device=self.device)
        if self._masked_head is None:
            picked = self.model(input_ids=ids).logits[rows_at, where]
        else:
            picked = self._masked_head(self.model.base_model(input_ids=ids)[0][rows_at, where])
        return self._sum_per_sentence(picked, torch.tensor(targets, device=self.device), owner, len(batch))

    def _sum_per_sentence(self, logits, targets, owner: list[int], sentences: int) -> np.ndarray:
        """Each copy's target log-probability, summed over the copies of each sentence (``owner[copy]``)."""
        token_lp = self._gather(logits, targets).double().cpu().numpy()
        return np.bincount(np.array(owner), weights=token_lp, minlength=sentences)

    def _hidden(self, i: int, word_ids: list) -> list[int]:
        """The tokens hidden when token ``i`` is the target: itself, and with ``word_l2r`` the rest of its word."""
        if self.pll != "word_l2r" or word_ids[i] is None:
            return [i]
        return [i] + [j for j in range(i + 1, len(word_ids)) if word_ids[j] == word_ids[i]]

    def _permutation(self, batch) -> np.ndarray:
        return self._permutation_pseudo(batch) if self.pseudo else self._permutation_left_to_right(batch)

    def _permutation_pseudo(self, batch) -> np.ndarray:
        width = len(batch[0][0]) + 1  # one length per batch, plus <sep>
        rows, owner, hidden, where = [], [], [], []
        for b, (tokens, word_ids) in enumerate(batch):
            for i in range(len(tokens)):
                rows.append([self.start_id, *tokens])
                owner.append(b)
                hidden.append([j + 1 for j in self._hidden(i, word_ids)])
                where.append(i + 1)
        ids = self._tensor(rows)
        # perm_mask[r, i, j] = 1: position i may not see position j. No position sees the hidden tokens of a copy,
        # every other pair sees each other, as the non-target tokens of a pretraining block do.
        perm_mask = torch.zeros(len(rows), width, width, device=self.device)
        for r, columns in enumerate(hidden):
            perm_mask[r, :, columns] = 1.0
        target_mapping = torch.zeros(len(rows), 1, width, device=self.device)
        target_mapping[torch.arange(len(rows)), 0, torch.tensor(where, device=self.device)] = 1.0
        logits = self.model(input_ids=ids, perm_mask=perm_mask, target_mapping=target_mapping, use_mems=False).logits
        targets = ids[torch.arange(len(rows)), torch.tensor(where, device=self.device)]
        return self._sum_per_sentence(logits[:, 0], targets, owner, len(batch))

    def _permutation_left_to_right(self, batch) -> np.ndarray:
        ids = self._tensor([[self.start_id, *t] for t, _ in batch])
        width = ids.shape[1]
        # perm_mask[b, i, j] = 1: position i may not see position j. Left to right: i sees only j < i.
        perm_mask = torch.triu(torch.ones(width, width, device=self.device)).expand(len(batch), -1, -1)
        # one target per sentence token (positions 1..width-1), all predicted in the same pass
        target_mapping = torch.eye(width, device=self.device)[1:].expand(len(batch), -1, -1)
        logits = self.model(input_ids=ids, perm_mask=perm_mask, target_mapping=target_mapping, use_mems=False).logits
        return self._gather(logits, ids[:, 1:]).double().sum(-1).cpu().numpy()
