"""CLIMB's objective curriculum on a tiny BERT: each unit trains only in its span (read off the logged per-unit
losses), a run stopped and resumed from a checkpoint continues exactly, bad spans are refused in one line, the
saved model is a plain masked LM, and the word classes come from an offline type-level tagger."""

import shutil
import subprocess

import pytest
from conftest import CLI
from curriculum_runs import pretraining

UNITS = dict(pacing="none", difficulty="random", objective_units=["pos:0-0.5", "mlm:0.5-1"], logging_steps=1,
             max_steps=12)


def _unit_log(trainer) -> dict[int, set[str]]:
    """Per logged step, the objective units that trained in it."""
    return {h["step"]: {k.split("/")[1][:-5] for k in h if k.startswith("objective/")}
            for h in trainer.state.log_history if "loss" in h}


def _losses(trainer, after: int) -> list[tuple]:
    return [(h["step"], round(h["loss"], 6), *(round(h[k], 6) for k in sorted(h) if k.startswith("objective/")))
            for h in trainer.state.log_history if "loss" in h and h["step"] > after]


def test_each_unit_trains_only_in_its_span_and_a_resume_is_exact(tmp_path, sample_corpus, tokenizers):
    from transformers import AutoModelForMaskedLM

    full = pretraining(tmp_path / "full", sample_corpus, tokenizers, arch="bert", save_strategy="steps", save_steps=6,
                       **UNITS)
    full.train()
    active = _unit_log(full)
    assert all(active[s] == {"pos"} for s in range(1, 7)) and all(active[s] == {"mlm"} for s in range(7, 13)), active
    # a run stopped at step 6 and resumed from its checkpoint: the same losses, unit by unit, step by step
    shutil.rmtree(tmp_path / "full" / "checkpoint-12")
    resumed = pretraining(tmp_path / "full", sample_corpus, tokenizers, arch="bert", save_strategy="steps",
                          save_steps=6, **UNITS)
    resumed.train(resume_from_checkpoint=True)
    assert _losses(resumed, 6) == _losses(full, 6) and len(_losses(full, 6)) == 6
    # the checkpoint holds the word-class head; the saved model is a plain masked LM
    full.save_model()
    from safetensors import safe_open

    with safe_open(str(tmp_path / "full" / "checkpoint-6" / "model.safetensors"), "pt") as f:
        assert any("hf_leaner_objective_heads" in k for k in f.keys())
    with safe_open(str(tmp_path / "full" / "model.safetensors"), "pt") as f:
        assert not any("hf_leaner_objective_heads" in k for k in f.keys())
    AutoModelForMaskedLM.from_pretrained(tmp_path / "full")  # loads with no missing or stray weights


def test_multitask_sums_both_losses_on_every_step(tmp_path, sample_corpus, tokenizers):
    trainer = pretraining(tmp_path, sample_corpus, tokenizers, arch="bert",
                          **{**UNITS, "objective_units": ["pos:0-1", "mlm:0-1"], "max_steps": 4})
    trainer.train()
    for h in (h for h in trainer.state.log_history if "loss" in h):
        assert {"objective/pos_loss", "objective/mlm_loss"} <= set(h)
        assert 0 < h["objective/pos_loss"] < h["objective/mlm_loss"]  # 11 classes are easier than 400 tokens


@pytest.mark.parametrize("units, culprit", [
    (["pos:0-0.4", "mlm:0.5-1"], "no unit is active between 0.4 and 0.5 of the run"),
    (["pos:0-1"], "the token MLM unit (mlm:START-1) must be one of the units"),
    (["pos:0-0.5", "mlm:0.2-0.9"], "the token MLM unit (mlm:START-1) must be one of the units and active at the end"),
    (["verbs:0-1", "mlm:0-1"], "unit 'verbs': choose from mlm, pos"),
    (["pos:0.5-0.2", "mlm:0-1"], "need 0 <= START < END <= 1"),
])
def test_bad_spans_are_refused_in_one_line(tmp_path, units, culprit):
    run = subprocess.run(CLI + ["pretrain", "--arch", "bert", "--objective_units", *units, "--output_dir",
                                str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and culprit in run.stderr, run.stderr
    assert not (tmp_path / "o").exists()


def test_a_causal_model_is_refused(tmp_path, sample_corpus, tokenizers):
    with pytest.raises(ValueError, match="objective curriculum is for a masked LM"):
        pretraining(tmp_path, sample_corpus, tokenizers, arch="llama", **UNITS)


def test_word_classes_are_type_level_and_offline(tokenizers):
    from hf_leaner.data.word_classes import WORD_CLASSES, token_word_classes, word_class

    assert [word_class(w) for w in ("the", "walked", "books", "quickly", "happy", "in", "and", "was", "three")] == \
        ["DET", "VERB", "NOUN", "ADV", "ADJ", "ADP", "CONJ", "AUX", "NUM"]
    tok = tokenizers["mlm"]
    table = token_word_classes(tok)
    assert len(table) == len(tok) and all(table[i] == -100 for i in tok.all_special_ids)
    the = tok.convert_tokens_to_ids("Ġthe")
    assert WORD_CLASSES[table[the]] == "DET"
