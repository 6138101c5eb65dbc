"""``hf-leaner pretrain --preset``: the flags each preset stands for, and a run that trains with one."""

import json

import pytest


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


TINY = ["--size", "100K", "--vocab_size", "400", "--block_size", "32", "--per_device_train_batch_size", "4",
        "--max_steps", "8", "--eval_strategy", "steps", "--eval_steps", "4", "--max_eval_documents", "5",
        "--save_strategy", "no"]


def pretrain_command(tmp_path, *flags):
    import os
    import subprocess

    from conftest import CLI

    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    out = tmp_path / "run"
    run = subprocess.run(CLI + ["pretrain", *TINY, *flags, "--output_dir", str(out)], capture_output=True, text=True,
                         env=env, timeout=600)
    summary = json.loads((out / "hf_leaner_summary.json").read_text()) if run.returncode == 0 else None
    return run, summary


def test_pretrain_without_a_curriculum_flag_trains_on_all_the_data_in_random_order(tmp_path):
    run, summary = pretrain_command(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert summary["data_use"] == {"final_fraction": 1.0, "stages": [{"stage": 0, "fraction": 1.0, "step": 0,
                                                                       "share": 1.0}]}
    assert "all documents, random order" in run.stdout and "curriculum:" not in run.stderr
    assert "warning: the run ended" not in run.stdout
    assert "Writing model shards" not in run.stdout + run.stderr and "pin_memory" not in run.stderr  # a log, no bars


def test_a_pacing_that_holds_data_back_says_so_at_the_start_and_warns_at_the_end(tmp_path):
    run, summary = pretrain_command(tmp_path, "--pacing", "iterative", "--difficulty", "sentence_length")
    assert run.returncode == 0, run.stderr[-3000:]
    start = next(line for line in run.stderr.splitlines() if "curriculum:" in line)
    assert "starts on the easiest 5% of the" in start and "evaluated every 4 steps" in start
    assert "2 evaluation(s) in 8 steps can bring in at most 15% of the documents" in start
    use = summary["data_use"]
    assert use["final_fraction"] < 1 and sum(s["share"] for s in use["stages"]) == pytest.approx(1.0)
    end = next(line for line in run.stdout.splitlines() if line.startswith("warning: the run ended"))
    assert f"ended with {use['final_fraction']:.0%} of the documents in use" in end
    assert f"{use['stages'][0]['share']:.0%} while 5% were in use (stage 0, from step 0)" in end


def test_a_difficulty_without_a_pacing_is_refused_in_one_line(tmp_path):
    run, _ = pretrain_command(tmp_path, "--difficulty", "sentence_length")
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "difficulty='sentence_length': orders nothing with pacing='none'" in run.stderr
    assert not (tmp_path / "run").exists()
