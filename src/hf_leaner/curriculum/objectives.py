"""CLIMB's objective curriculum for the masked family: which losses train the model when.

A *unit* is one objective with a span of the run, given as ``NAME:START-END`` in fractions of ``max_steps``:

* ``mlm``: token prediction at the masked positions (the model's own MLM head; the usual loss);
* ``pos``: word-class prediction at the same masked positions (a coarse part of speech from
  :mod:`hf_leaner.data.word_classes`), through a head of its own (a linear layer on the last hidden state).

A unit is active on optimizer step ``s`` when ``START <= s / max_steps < END`` (the last step counts for an END of
1); the losses of the active units are summed and each is logged on its own (``objective/<name>_loss``). The spans
must cover the run with no gap, and the token MLM unit is always one of the units and active at the end, so the
model a run saves is a masked LM like any other. Two strategies of the study use it:

    pos:0-0.5 mlm:0.5-1     word classes first, then tokens ("objective-pos-then-mlm")
    pos:0-1 mlm:0-1         both throughout ("multitask-pos-mlm")

Evaluation reports the token MLM loss whatever is being trained, so runs stay comparable. The heads live inside
the model while it trains (saved in every checkpoint with the optimizer's state, so a resume is exact) and are
left out of the final saved model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = ("mlm", "pos")  # token prediction, word-class prediction
HEADS_ATTRIBUTE = "hf_leaner_objective_heads"  # where the units' own heads hang on the model while it trains


@dataclass(frozen=True)
class ObjectiveUnit:
    name: str
    start: float
    end: float

    def active(self, step: int, max_steps: int) -> bool:
        t = step / max(1, max_steps)
        return self.start <= t < self.end or (self.end == 1.0 and t >= 1.0)


def parse_units(specs: list[str]) -> list[ObjectiveUnit]:
    """``["pos:0-0.5", "mlm:0.5-1"]`` as units, or ValueError naming the unit and what is wrong with it."""
    units = []
    for spec in specs:
        m = re.fullmatch(r"\s*(\w+)\s*:\s*([\d.]+)\s*-\s*([\d.]+)\s*", str(spec))
        if not m:
            raise ValueError(f"objective_units: {spec!r} is not NAME:START-END (e.g. pos:0-0.5)")
        name, start, end = m[1], float(m[2]), float(m[3])
        if name not in UNITS:
            raise ValueError(f"objective_units: unit {name!r}: choose from {', '.join(UNITS)}")
        if not 0 <= start < end <= 1:
            raise ValueError(f"objective_units: {spec!r}: need 0 <= START < END <= 1 (fractions of max_steps)")
        if any(u.name == name for u in units):
            raise ValueError(f"objective_units: unit {name!r} is given twice")
        units.append(ObjectiveUnit(name, start, end))
    mlm = next((u for u in units if u.name == "mlm"), None)
    if mlm is None or mlm.end != 1.0:
        raise ValueError("objective_units: the token MLM unit (mlm:START-1) must be one of the units and active at the "
                         "end, so the run ends as a masked LM")
    covered = 0.0
    for u in sorted(units, key=lambda u: u.start):
        if u.start > covered + 1e-9:
            raise ValueError(f"objective_units: no unit is active between {covered:g} and {u.start:g} of the run; the "
                             "spans must cover it with no gap")
        covered = max(covered, u.end)
    return units


def active_units(units: list[ObjectiveUnit], step: int, max_steps: int) -> list[str]:
    return [u.name for u in units if u.active(step, max_steps)]


def unit_losses(model, inputs: dict, names: list[str], word_class_table) -> dict:
    """The loss of each active unit on one batch (masked positions only); ``word_class_table`` maps token ids to
    class ids (-100: no class) on the model's device."""
    import torch.nn.functional as F

    labels = inputs["labels"]
    outputs = model(**{k: v for k, v in inputs.items() if k != "labels"}, output_hidden_states=True)
    losses = {}
    if "mlm" in names:
        logits = outputs.logits
        losses["mlm"] = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), labels.view(-1), ignore_index=-100)
    if "pos" in names:
        head = getattr(model, HEADS_ATTRIBUTE)["pos"]
        classes = word_class_table[labels.clamp(min=0)].masked_fill(labels < 0, -100)
        scores = head(outputs.hidden_states[-1])
        if (classes >= 0).any():
            losses["pos"] = F.cross_entropy(scores.view(-1, scores.size(-1)).float(), classes.view(-1),
                                            ignore_index=-100)
        else:  # no masked token has a class in this batch: a zero that keeps the head in the graph
            losses["pos"] = scores.sum() * 0.0
    return losses


class ObjectiveMixin:
    """The objective curriculum inside a ``Trainer``: ``compute_loss`` sums the active units' losses while training
    (evaluation keeps the token loss), ``log`` adds each unit's mean loss, ``save_model`` leaves the heads out of
    the final model. A no-op without ``objective_units``."""

    def _init_objectives(self) -> None:
        """CLIMB's objective units: their heads hang on the model while it trains (checkpointed with it)."""
        args = self.args
        self._objective_units, self._unit_sums, self._word_classes = None, {}, None
        if not args.objective_units:
            return
        if args.objective != "mlm":
            raise ValueError(f"objective_units: the objective curriculum is for a masked LM (bert); this run trains "
                             f"{args.objective}")
        import torch

        from hf_leaner.data.word_classes import WORD_CLASSES, token_word_classes

        self._objective_units = parse_units(args.objective_units)
        model = self.accelerator.unwrap_model(self.model)
        if not hasattr(model, HEADS_ATTRIBUTE):  # seeded by the run's seed: a rerun builds the same head
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(args.seed)
                head = torch.nn.Linear(model.config.hidden_size, len(WORD_CLASSES))
            model.add_module(HEADS_ATTRIBUTE, torch.nn.ModuleDict({"pos": head}).to(model.device))
        self._word_classes = torch.as_tensor(token_word_classes(self.processing_class), device=model.device)
        self.model_accepts_loss_kwargs = False  # our summed loss is a mean: the Trainer scales it for accumulation

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if getattr(self, "_objective_units", None) is None or not model.training:  # evaluation: the token loss
            return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                        num_items_in_batch=num_items_in_batch)
        names = active_units(self._objective_units, self.state.global_step, self.args.max_steps)
        losses = unit_losses(self.accelerator.unwrap_model(model), inputs, names, self._word_classes)
        for name, value in losses.items():
            total, count = self._unit_sums.get(name, (0.0, 0))
            self._unit_sums[name] = (total + float(value.detach()), count + 1)
        loss = sum(losses.values())
        return (loss, None) if return_outputs else loss

    def save_model(self, output_dir: str | None = None, _internal_call: bool = False):
        """Checkpoints keep the objective heads (a resume is exact); the saved model is the plain masked LM."""
        model = self.accelerator.unwrap_model(self.model) if getattr(self, "_objective_units", None) else None
        heads = getattr(model, HEADS_ATTRIBUTE, None) if model is not None else None
        if heads is None or _internal_call:
            return super().save_model(output_dir, _internal_call)
        delattr(model, HEADS_ATTRIBUTE)
        try:
            return super().save_model(output_dir, _internal_call)
        finally:
            model.add_module(HEADS_ATTRIBUTE, heads)

    def objective_log(self) -> dict:
        """Each objective unit's mean loss since the last log (then reset)."""
        sums, self._unit_sums = getattr(self, "_unit_sums", {}), {}
        return {f"objective/{name}_loss": total / count for name, (total, count) in sums.items()}
