"""The curriculum mixed into trl's SFTTrainer, on LEANER-Instruct records in the release's format."""

import numpy as np

from hf_leaner import load_leaner
from hf_leaner.curriculum import CurriculumSFTConfig, CurriculumSFTTrainer
from hf_leaner.models import build_model, make_config
from hf_leaner.tokenizer import train_tokenizer


def test_curriculum_sft_trainer_is_a_one_liner_and_trains(tmp_path, sample_dir):
    ds = load_leaner("leaner-instruct", data_dir=sample_dir, cache_dir=str(tmp_path / "cache"))
    tok = train_tokenizer(iter(ds["train"]["text"]), "clm", vocab_size=400)
    model = build_model(make_config("llama", "100K", vocab_size=len(tok), max_length=128, tokenizer=tok), seed=0)

    class MySFT(CurriculumSFTTrainer):  # the user's own trainer: one line
        pass

    args = CurriculumSFTConfig(output_dir=str(tmp_path / "sft"), max_steps=12, per_device_train_batch_size=4,
                               learning_rate=3e-3, report_to=[], use_cpu=True, save_strategy="no", logging_steps=4,
                               difficulty="sentence_length", pacing="linear", start_fraction=0.25, pacing_end=0.5,
                               dataset_text_field="text", max_length=64, disable_tqdm=True)
    trainer = MySFT(model=model, args=args, train_dataset=ds["train"].select_columns(["text"]), processing_class=tok)
    out = trainer.train()
    assert np.isfinite(out.training_loss)
    fractions = [h["curriculum/fraction"] for h in trainer.state.log_history if "curriculum/fraction" in h]
    assert fractions[0] < 1.0 and fractions == sorted(fractions) and fractions[-1] == 1.0
    # the easiest quarter first: the first batches come from the shortest-sentence rows
    sampler = trainer._get_train_sampler()
    first = list(sampler)[:4]
    order = trainer.curriculum_units.orders[trainer.curriculum_state.current["version"]]
    assert set(first) <= set(order[: int(np.ceil(0.25 * len(order)))].tolist())
