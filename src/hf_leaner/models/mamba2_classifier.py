"""A sequence-classification head for Mamba2, which transformers does not ship, registered with the Auto classes.

    >>> import hf_leaner.models.mamba2_classifier  # registers it (``import hf_leaner`` does too)
    >>> model = AutoModelForSequenceClassification.from_pretrained("pretrain/output/mamba2", num_labels=2)

The head reads the hidden state of the **last non-pad token**, the only position a causal model has
seen the whole input at, wherever the padding is (left or right): the rightmost position of the
attention mask, or without a mask the rightmost token that is not ``pad_token_id``. One linear layer
maps it to ``num_labels`` logits; the loss is MSE for regression (``num_labels == 1``, STS-B), cross
entropy for single-label and BCE for multi-label classification, as in transformers' other heads.
It saves, loads, pushes and loads back by Hub id like any transformers model (its
``config.architectures`` is ``Mamba2ForSequenceClassification``), and loads the backbone of a
``Mamba2ForCausalLM`` checkpoint with a fresh head.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoModelForSequenceClassification, Mamba2Config
from transformers.modeling_outputs import SequenceClassifierOutput
from transformers.models.mamba2.modeling_mamba2 import Mamba2Model, Mamba2PreTrainedModel


def last_token_index(input_ids: torch.Tensor | None, attention_mask: torch.Tensor | None,
                     pad_token_id: int | None) -> torch.Tensor | int:
    """Index of the last real token of each row, for left or right padding alike."""
    if attention_mask is not None:
        mask = attention_mask.to(torch.int64)
    elif input_ids is not None and pad_token_id is not None:
        mask = (input_ids != pad_token_id).to(torch.int64)
    else:
        return -1
    positions = torch.arange(mask.shape[-1], device=mask.device)
    return (positions * mask).argmax(-1)  # rightmost position holding a real token


class Mamba2ForSequenceClassification(Mamba2PreTrainedModel):
    def __init__(self, config: Mamba2Config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.backbone = Mamba2Model(config)
        self.score = nn.Linear(config.hidden_size, config.num_labels, bias=False)
        self.post_init()

    def get_input_embeddings(self):
        return self.backbone.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.backbone.set_input_embeddings(value)

    def forward(self, input_ids: torch.LongTensor | None = None, attention_mask: torch.Tensor | None = None,
                inputs_embeds: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                output_hidden_states: bool | None = None, return_dict: bool | None = None,
                **kwargs) -> SequenceClassifierOutput | tuple:
        out = self.backbone(input_ids=input_ids, inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                            output_hidden_states=output_hidden_states, use_cache=False, return_dict=True)
        hidden = out.last_hidden_state
        index = last_token_index(input_ids, attention_mask, self.config.pad_token_id)
        pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), index]
        logits = self.score(pooled)
        loss = self._loss(logits, labels) if labels is not None else None
        if return_dict is False:
            return (loss, logits) if loss is not None else (logits,)
        return SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=out.hidden_states)

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.config.problem_type is None:  # inferred once, as transformers' heads do
            self.config.problem_type = ("regression" if self.num_labels == 1 else "single_label_classification"
                                        if labels.dtype in (torch.long, torch.int) else "multi_label_classification")
        if self.config.problem_type == "regression":
            return nn.functional.mse_loss(logits.squeeze(-1), labels.to(logits.dtype).view(-1))
        if self.config.problem_type == "single_label_classification":
            return nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


AutoModelForSequenceClassification.register(Mamba2Config, Mamba2ForSequenceClassification, exist_ok=True)
