"""``hf-leaner pretrain --preset``: the flags each preset stands for, and a run that trains with one."""

import json


from hf_leaner.cli import main
from hf_leaner.cli.train import pretrain_argv, pretrain_parser
from hf_leaner.curriculum import CurriculumConfig
from hf_leaner.train.pretrain import PretrainArguments


def parse(argv):
    return pretrain_parser().parse_args_into_dataclasses(args=pretrain_argv(argv), look_for_args_file=False)


def test_tinyhelen_preset_is_the_papers_run(shared_dir):
    pargs, args = parse(["--preset", "tinyhelen", "--data", str(shared_dir)])
    assert (pargs.arch, pargs.size, pargs.block_size, pargs.data_config) == ("llama", "paper-1M", 1024, "leaner-100M-all")
    assert pargs.tokenizer == str(shared_dir / "tokenizer" / "gpt-2K")  # the release's 2K tokenizer
    assert args.per_device_train_batch_size * args.gradient_accumulation_steps == 512
    assert (args.max_steps, args.learning_rate, args.warmup_steps, args.lr_scheduler_type) == (2500, 1e-2, 100, "linear")
    assert (args.eval_steps, args.pacing, args.patience, args.threshold, args.increment) == (20, "iterative", 1, 0.0, 0.05)


def test_default_preset_trains_a_tiny_model_at_a_useful_rate():
    pargs, args = parse([])
    assert pargs.preset == "cpu" and args.learning_rate == 3e-3 and args.lr_scheduler_type == "cosine"
    _, args = parse(["--learning_rate", "1e-3"])  # the user's own flag wins over the preset
    assert args.learning_rate == 1e-3
    _, args = parse(["--preset", "none"])  # no recipe: CurriculumConfig's own default, a tiny model's rate
    assert args.learning_rate == 3e-3 and args.lr_scheduler_type == "linear"


def test_pretrain_with_the_tinyhelen_preset_and_a_source_curriculum(tmp_path, sample_dir):
    out = tmp_path / "run"
    rc = main(["pretrain", "--preset", "tinyhelen", "--data", str(sample_dir), "--data_config", "leaner+original-10M-all",
               "--size", "100K", "--vocab_size", "400", "--block_size", "32", "--per_device_train_batch_size", "4",
               "--gradient_accumulation_steps", "2", "--max_steps", "4", "--eval_steps", "2", "--curriculum_eval_steps",
               "2", "--difficulty", "source", "--max_eval_documents", "5", "--save_strategy", "no", "--use_cpu",
               "--output_dir", str(out)])
    assert rc == 0
    assert json.loads((out / "pretrain_args.json").read_text())["preset"] == "tinyhelen"
    summary = json.loads((out / "hf_leaner_summary.json").read_text())
    assert summary["steps"] == 4 and summary["tokens_seen"] == 4 * 8 * 32
    assert summary["curriculum"][0]["fraction"] == 0.05  # the paper's iterative pacing, from the preset
