"""The EXP3 reproduction and the LEANER-vs-ORIGINAL comparison, tiny, through the CLI."""

import json
import math

from hf_leaner.cli import main


def test_experiment_command_writes_tables_curves_and_plots(tmp_path, sample_dir, capsys):
    out = tmp_path / "exp"
    rc = main(["experiment", "curriculum", "--data", str(sample_dir), "--size", "100K", "--steps", "20",
               "--eval-every", "10", "--batch-size", "4", "--block-size", "32", "--vocab-size", "400",
               "--max-eval-documents", "20", "--output", str(out), "--strategies", "baseline (full random)",
               "iterative / LM-loss", "root / unigram perplexity"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "steps to baseline loss" in printed and "val loss on LEANER" in printed
    result = json.loads((out / "curriculum_results.json").read_text())
    rows = {r["strategy"]: r for r in result["rows"]}
    assert list(rows) == ["baseline (full random)", "iterative / LM-loss", "root / unigram perplexity"]
    assert all(math.isfinite(r["loss@20"]) for r in rows.values())
    # the curriculum really restricted the data: the baseline uses everything, the curricula start small
    assert {f for _, f in result["fractions"]["baseline (full random)"]} == {1.0}
    assert result["fractions"]["iterative / LM-loss"][0][1] == 0.05
    assert result["fractions"]["root / unigram perplexity"][0][1] < 0.1
    lvo = json.loads((out / "leaner_vs_original.json").read_text())
    assert set(lvo["loss"]) == {"leaner", "original"} and all(math.isfinite(v) for r in lvo["loss"].values()
                                                              for v in r.values())
    for png in ("curriculum_curves.png", "leaner_vs_original.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
