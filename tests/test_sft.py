"""The curriculum mixed into trl's SFTTrainer, on LEANER-Instruct records in the release's format."""

import numpy as np
import pytest

from hf_leaner import load_leaner
from hf_leaner.curriculum import CurriculumSFTConfig, CurriculumSFTTrainer
from hf_leaner.models import build_model, make_config
from hf_leaner.models.tokenizer import train_tokenizer


@pytest.fixture(scope="module")
def instruct(tmp_path_factory, sample_dir):
    ds = load_leaner("leaner-instruct", data_dir=sample_dir, cache_dir=str(tmp_path_factory.mktemp("cache")))
    tok = train_tokenizer(iter(ds["train"]["text"]), "clm", vocab_size=400)
    return ds["train"].select_columns(["text"]), tok


class MySFT(CurriculumSFTTrainer):  # the user's own trainer: one line
    pass


def _trainer(out, rows, tok, **kw):
    model = build_model(make_config("llama", "100K", vocab_size=len(tok), max_length=128, tokenizer=tok), seed=0)
    base = dict(output_dir=str(out), max_steps=12, per_device_train_batch_size=4, learning_rate=3e-3, report_to=[],
                use_cpu=True, logging_steps=4, difficulty="sentence_length", pacing="linear", start_fraction=0.25,
                pacing_end=0.5, dataset_text_field="text", max_length=64, disable_tqdm=True, save_strategy="steps",
                save_steps=4, seed=3)
    base.update(kw)
    return MySFT(model=model, args=CurriculumSFTConfig(**base), train_dataset=rows, processing_class=tok)


def test_curriculum_sft_saves_checkpoints_and_resumes_exactly(tmp_path, instruct):
    rows, tok = instruct
    full = _trainer(tmp_path, rows, tok)
    out = full.train()
    full.save_model()  # pickles the config: a module-level class
    assert np.isfinite(out.training_loss) and (tmp_path / "checkpoint-8" / "curriculum_orders.npz").is_file()
    fractions = [h["curriculum/fraction"] for h in full.state.log_history if "curriculum/fraction" in h]
    assert fractions[0] < 1.0 and fractions == sorted(fractions) and fractions[-1] == 1.0
    # the easiest quarter first: the first batch comes from the shortest-sentence rows
    order = full.curriculum.orders[0]
    assert set(list(full._get_train_sampler())[:4]) <= set(order[: int(np.ceil(0.25 * len(order)))].tolist())

    resumed = _trainer(tmp_path, rows, tok)
    resumed.train(resume_from_checkpoint=str(tmp_path / "checkpoint-4"))
    losses = lambda t: [round(h["loss"], 5) for h in t.state.log_history if "loss" in h and h["step"] > 4]
    assert losses(resumed) == losses(full) and len(losses(full)) == 2


def test_curriculum_sft_iterative_holds_out_its_own_rows(tmp_path, instruct):
    rows, tok = instruct
    trainer = _trainer(tmp_path, rows, tok, pacing="iterative", curriculum_eval_steps=2, threshold=1.0,
                       save_strategy="no")
    trainer.train()
    held = set(range(len(rows))) - set(trainer.curriculum_train_ids.tolist())
    assert held and len(trainer.curriculum_eval_dataset) == len(held)
    assert not held & set(trainer._get_train_sampler())
    assert len(trainer.curriculum.history) >= 2
