"""``hf-leaner experiment curriculum``: the fair study, tiny, through the CLI; a rerun trains nothing."""

import json
import math
from pathlib import Path

from hf_leaner.cli import main
from hf_leaner.experiments.curriculum import t_interval, tokens_to_reach


SHARED = Path(__file__).resolve().parents[2] / "shared"
BENCHMARKS = [str(SHARED)] if (SHARED / "blimp").is_dir() and (SHARED / "zorro").is_dir() else []  # BLiMP, Zorro


def test_curriculum_study_is_fair_reports_intervals_and_resumes(tmp_path, sample_dir, capsys):
    out = tmp_path / "study"
    argv = ["experiment", "curriculum", "--data", str(sample_dir), "--size", "100K", "--budget", "3840",
            "--batch-size", "4", "--block-size", "32", "--vocab-size", "400", "--evals", "4", "--strategies",
            "seqlen-warmup", "--seeds", "1,2", "--learning-rates", "4e-3,8e-3", "--schedules", "wsd",
            "--max-train-documents", "150", "--heldout-documents", "20", "--max-eval-documents", "10",
            "--leaner-vs-original", "--output", str(out), "--zero_shot", "own", *BENCHMARKS, "--zero_shot_pairs", "2"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "tokens to target" in printed and "val loss on LEANER" in printed
    assert "own %" in printed and "zero-shot minimal-pair accuracy" in printed  # pairs from the training vocabulary
    if BENCHMARKS:
        assert "blimp %" in printed and "zorro %" in printed
    study = json.loads((out / "study.json").read_text())
    assert study["trained"] == 6 and study["reused"] == 0  # 2 strategies x (2 LRs + 1 more seed)
    rows = {r["strategy"]: r for r in study["rows"]}
    assert set(rows) == {"baseline", "seqlen-warmup"}
    for r in rows.values():
        assert r["learning_rate"] == float(min(r["sweep"], key=r["sweep"].get)) and r["seeds"] == 2  # on held-out
        assert all(math.isfinite(v) for v in r["final"])
        assert 0 <= r["zero_shot"]["own"][0] <= 1  # each final model scored, mean over the seeds
    zero_shot = json.loads((out / "zero_shot" / "results.json").read_text())
    assert len(zero_shot["models"]) == 4 and zero_shot["protocol"]["suites"]["own"]["pairs"] > 0
    runs = [json.loads(p.read_text()) for p in (out / "runs" / "wsd").rglob("lr*.json")]  # not the saved models
    assert len(runs) == 6
    tokens = {r["settings"]["strategy"]: r["tokens"] for r in runs}
    # the same token budget: the sequence-length warm-up gets the steps its shorter early blocks need
    assert tokens["baseline"] == 3840 and 3840 <= tokens["seqlen-warmup"] < 3840 + 4 * 32
    assert (out / "curriculum_study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the frequency-only reference, and every run that ended within 5% of it named
    reference = study["frequency_only_loss"]
    assert 0 < reference < math.log(400)
    near = {(r["settings"]["strategy"], r["settings"]["seed"]) for r in runs if r["final_loss"] >= 0.95 * reference
            and r["settings"]["learning_rate"] == rows[r["settings"]["strategy"]]["learning_rate"]}
    assert {(n["strategy"], n["seed"]) for n in study["near_frequency_only"]} == near
    report = (out / "report.md").read_text()
    assert "Frequency-only reference" in report
    if BENCHMARKS:  # the protocol names the suites scored, and the folder they came from
        assert f"- **Zero-shot**: own, blimp, zorro (from own, {SHARED})" in report
    stored = (out / "frequency_only.json").stat().st_mtime_ns
    assert main(argv) == 0  # resumable: every finished run is reused
    assert "trained 0 runs, reused 6" in capsys.readouterr().out
    assert (out / "frequency_only.json").stat().st_mtime_ns == stored  # computed once


def test_frequency_only_loss_is_the_validation_cross_entropy_under_smoothed_training_frequencies():
    from datasets import Dataset, DatasetDict
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from hf_leaner.experiments.curriculum.run import StudyData, frequency_only_loss

    words = Tokenizer(models.WordLevel({"[UNK]": 0, "[SEP]": 1, "a": 2, "b": 3}, unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]", sep_token="[SEP]")
    corpus = DatasetDict(train=Dataset.from_dict({"text": ["a a", "b [SEP] a"]}),
                         validation=Dataset.from_dict({"text": ["a b [SEP]"]}))
    # training counts a 3, b 1 (the special token is never a prediction): p(a) = 4/6, p(b) = 2/6 with add-one
    expected = -(math.log(4 / 6) + math.log(2 / 6)) / 2
    assert abs(frequency_only_loss(StudyData(corpus, tokenizer, None, set(), None)) - expected) < 1e-9


def test_interval_and_tokens_to_target():
    mean, half = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and abs(half - 4.303 * 1 / math.sqrt(3)) < 1e-3  # t(0.975, 2) = 4.303
    assert tokens_to_reach([(100, 5.0), (200, 4.0), (300, 3.0)], 3.5) == 250.0
    assert tokens_to_reach([(100, 5.0), (200, 4.0)], 3.0) is None


def test_study_glue_flag_scores_each_final_model_at_every_budget(tmp_path, sample_dir, capsys):
    out = tmp_path / "glue"
    assert main(["experiment", "curriculum", "--data", str(sample_dir), "--size", "100K", "--budget", "1280",
                 "--batch-size", "4", "--block-size", "32", "--vocab-size", "400", "--evals", "2", "--strategies",
                 "baseline", "--seeds", "1", "--learning-rates", "4e-3", "--schedules", "wsd", "--max-train-documents",
                 "60", "--heldout-documents", "10", "--max-eval-documents", "5", "--glue", "--glue-tasks", "rte",
                 "--glue-max-train-examples", "32", "--budget-fractions", "0.5", "--output", str(out)]) == 0
    assert "GLUE vs baseline (full budget)" in capsys.readouterr().out
    study = json.loads((out / "study.json").read_text())
    assert 0 <= study["rows"][0]["glue"][0] <= 1  # the LEANER-GLUE average of the saved final model
    glue = {r["fraction"]: r["glue"][0] for r in study["fraction_rows"]}
    assert set(glue) == {0.5, 1.0} and all(0 <= g <= 1 for g in glue.values())
    assert glue[1.0] == study["rows"][0]["glue"][0]  # one evaluation of the full-budget model, in both tables
    for model in ("lr0.004_seed1", "budget0.5/lr0.004_seed1"):  # the share's own model, fine-tuned
        assert (out / "runs" / "wsd" / "baseline" / model / "glue" / "results.json").is_file()


def test_budget_fractions_train_each_strategy_on_a_share_with_its_own_lr_and_whole_schedule(tmp_path, sample_dir,
                                                                                           capsys):
    out = tmp_path / "shares"
    argv = ["experiment", "curriculum", "--data", str(sample_dir), "--size", "100K", "--budget", "2560",
            "--batch-size", "4", "--block-size", "32", "--vocab-size", "400", "--evals", "2", "--strategies",
            "warmup-compression", "--seeds", "1,2", "--learning-rates", "4e-3,8e-3", "--schedules", "wsd",
            "--max-train-documents", "120", "--heldout-documents", "20", "--max-eval-documents", "10", "--output",
            str(out)]
    assert main(argv) == 0  # the full budget only, as a study without the flag
    assert "trained 6 runs, reused 0" in capsys.readouterr().out
    assert main([*argv, "--budget-fractions", "0.5"]) == 0  # the full-budget runs are reused, the half ones trained
    printed = capsys.readouterr().out
    assert "trained 6 runs, reused 6" in printed and "vs baseline (same budget)" in printed and "fair test:" in printed
    # the paper's claim read on grammar: each strategy at <= 70% of the tokens against the baseline at 100%
    assert "zero-shot grammar (each at <= 70% of the tokens vs the baseline at 100%" in printed
    assert "warmup-compression (wsd, 50%) own" in printed and "baseline (wsd, 50%) own" in printed
    report = (out / "report.md").read_text()  # the page: protocol, verdicts, plot, tables
    for part in ("## Protocol", "no curriculum sees it", "`warmup-compression` (easiest-first", "## Verdicts",
                 "- fair test:", "![study](curriculum_study.png)", "vs baseline (same budget)",
                 "  - warmup-compression (wsd, 50%) own",  # one nested line per strategy under the zero-shot verdict
                 "![zero-shot](curriculum_zero_shot.png)"):
        assert part in report, part
    assert (out / "curriculum_zero_shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the verdict drawn
    study = json.loads((out / "study.json").read_text())
    rows = {(r["strategy"], r["fraction"]): r for r in study["fraction_rows"]}
    assert set(rows) == {(s, f) for s in ("baseline", "warmup-compression") for f in (0.5, 1.0)}
    for (strategy, fraction), r in rows.items():
        assert r["learning_rate"] == float(min(r["sweep"], key=r["sweep"].get)) and r["seeds"] == 2  # its own LR
        assert r["reaches_target"] == (r["final"][0] + r["final"][1] <= study["target"])
        assert r["vs_baseline_same"] in ("lower", "higher", "same (inside the intervals)")
        assert r["tokens"] == 2560 * fraction
    # zero-shot against the baseline's full budget is paired by seed: each seed's accuracy minus the baseline's
    accuracy = {}
    for entry in json.loads((out / "zero_shot" / "results.json").read_text())["models"].values():
        folder = Path(entry["model"])
        strategy = folder.parts[folder.parts.index("wsd") + 1]
        fraction = 0.5 if folder.parent.name == "budget0.5" else 1.0
        accuracy[strategy, fraction, int(folder.name.rsplit("seed", 1)[1])] = entry["suites"]["own"]["accuracy"]
    for (strategy, fraction), r in rows.items():
        mean, half = t_interval([accuracy[strategy, fraction, seed] - accuracy["baseline", 1.0, seed] for seed in (1, 2)])
        assert r["zero_shot_difference"]["own"] == [mean, half] or (strategy, fraction) == ("baseline", 1.0)
        word = "higher" if mean - half > 0 else "lower" if mean + half < 0 else "same (inside the interval)"
        assert r["zero_shot_vs_baseline_full"]["own"] == word
    assert "own minus baseline (full budget)" in printed and "difference paired by seed" in printed
    halves = [json.loads(p.read_text()) for p in (out / "runs" / "wsd").glob("*/budget0.5/*.json")]
    assert len(halves) == 6
    for run in halves:  # half the tokens in half the steps, evaluated over the whole (shorter) schedule
        assert run["tokens"] == 1280 and run["settings"]["steps"] == 10 and run["curve"][-1][0] == 1280
    assert [s["strategy"] for s in study["rows"]] == ["baseline", "warmup-compression"]  # the full-budget table
    assert main([*argv, "--budget-fractions", "0.5"]) == 0
    assert "trained 0 runs, reused 12" in capsys.readouterr().out


def test_iterative_pacing_evaluates_often_enough_to_reach_all_the_data(tmp_path, sample_dir):
    """With the study's 2 evaluations a run, +5% steps from 5% could bring in at most 15% of the documents; the
    iterative strategy evaluates its held-out slice 50 times a run instead, and grows past that."""
    out = tmp_path / "iterative"
    assert main(["experiment", "curriculum", "--data", str(sample_dir), "--size", "100K", "--budget", "5120",
                 "--batch-size", "4", "--block-size", "32", "--vocab-size", "400", "--evals", "2", "--strategies",
                 "iterative-sentence-length", "--seeds", "1", "--learning-rates", "8e-3", "--schedules", "decay",
                 "--max-train-documents", "120", "--heldout-documents", "20", "--max-eval-documents", "10",
                 "--zero_shot", "none", "--workers", "1", "--output", str(out)]) == 0
    run = json.loads((out / "runs" / "decay" / "iterative-sentence-length" / "lr0.008_seed1.json").read_text())
    assert run["settings"]["steps"] == 40 and run["settings"]["curriculum"]["curriculum_eval_steps"] == 1
    assert max(f for _, f in run["fractions"]) > 0.05 + 2 * 0.05  # grew more often than 2 evaluations allow
