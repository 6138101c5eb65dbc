"""`hf-leaner experiment architectures` (EXP1) end to end on the sample, at the smallest setting: two families, two
seeds, every measure (zero-shot, bits per character, GLUE), the report, and a rerun that redoes nothing."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
BENCHMARKS = [str(SHARED)] if (SHARED / "blimp").is_dir() and (SHARED / "zorro").is_dir() else []  # BLiMP, Zorro
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
VERDICTS = ("LEANER better", "LEANER worse", "no difference", "mixed")


def test_architectures_experiment_report_and_rerun(tmp_path):
    out = tmp_path / "exp1"
    cmd = [sys.executable, "-m", "hf_leaner.cli", "experiment", "architectures", "--families", "llama,bert",
           "--size", "100K", "--steps", "4", "--block-size", "32", "--batch-size", "4", "--vocab-size", "300",
           "--seeds", "1,2", "--bpc_chars_per_genre", "600", "--glue-tasks", "rte", "--glue-epochs", "1",
           "--output", str(out), "--zero_shot", "own", *BENCHMARKS, "--zero_shot_pairs", "2", "--workers", "2"]
    run = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads((out / "architectures.json").read_text())
    runs = {(r["arch"], r["variant"], r["seed"]): r for r in result["runs"]}
    assert sorted(runs) == sorted((a, v, s) for a in ("llama", "bert") for v in ("leaner", "original", "untrained")
                                  for s in (1, 2))
    for arch in ("llama", "bert"):
        for seed in (1, 2):
            leaner, original = runs[arch, "leaner", seed], runs[arch, "original", seed]
            # equal tokens, the same model size; the untrained floor is the seed's weights, saved as a model
            assert leaner["tokens"] == original["tokens"] == 4 * 4 * 32
            assert leaner["non_embedding_parameters"] == original["non_embedding_parameters"]
            assert (Path(runs[arch, "untrained", seed]["folder"]) / "config.json").is_file()
            # bits per character of both arms on both validation texts: the same text for every model of a family
            for corpus in ("leaner", "original"):
                a, b = leaner["bits_per_char"][corpus], original["bits_per_char"][corpus]
                assert a["chars"] == b["chars"] > 0 and 0 < a["bits_per_char"] < 16 and math.isfinite(b["bits_per_char"])
                assert a["pseudo"] is (arch == "bert")
            for r in (leaner, original, runs[arch, "untrained", seed]):
                assert 0 <= r["zero_shot"]["own"]["accuracy"] <= 1
                assert r["glue"]["average"] is not None
    assert result["zero_shot_suites"] == ["own"] + (["blimp", "zorro"] if BENCHMARKS else [])
    # what the user reads: the console summary, report.md with its protocol, tables, plot and a verdict per family
    report = (out / "report.md").read_text()
    for part in ("## Protocol", "## Verdicts", "![EXP1](architectures.png)", "## Bits per character", "## Phenomena",
                 "## LEANER-GLUE", "paired by seed", "Characters per token", "experiment architectures"):
        assert part in report, part
    for arch in ("llama", "bert"):
        assert any(f"**{arch}: {word}**" in report for word in VERDICTS), arch
    assert (out / "architectures.png").stat().st_size > 10_000
    assert "bits/char on LEANER text" in run.stdout and "report:" in run.stdout
    assert "{'loss'" not in run.stdout  # one line per run, not the Trainer's log dicts
    # a rerun trains, scores and fine-tunes nothing again
    kept = (out / "llama" / "leaner" / "seed1" / "bits_per_char.json").stat().st_mtime_ns
    again = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("1 of 1 cells already done") == 12
    assert (out / "llama" / "leaner" / "seed1" / "bits_per_char.json").stat().st_mtime_ns == kept
    scored = json.loads((out / "zero_shot" / "results.json").read_text())["models"]
    assert len(scored) == 12 and all(m["pairs_scored_this_run"] == 0 for m in scored.values())
