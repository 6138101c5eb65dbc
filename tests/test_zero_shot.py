"""Zero-shot minimal pairs: every family's scorer against a plain per-sentence forward pass written here, ties
counted half, the command run as a user runs it (BLiMP and Zorro from ../shared when present), kill -9 then rerun."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import CLI, REPO

BLIMP = Path(os.environ.get("HF_LEANER_BLIMP", REPO.parent / "shared" / "blimp"))
ZORRO = Path(os.environ.get("HF_LEANER_ZORRO", REPO.parent / "shared" / "zorro"))
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.fixture(scope="module")
def forty_pairs(tmp_path_factory):
    """40 real pairs: one per BLiMP paradigm, then Zorro's, when the benchmarks are here; else our own file."""
    from hf_leaner.evaluation.minimal_pairs import load_suite, subset

    if BLIMP.is_dir() and ZORRO.is_dir():
        return (subset(load_suite("blimp", BLIMP), 1)[:30] + subset(load_suite("zorro", ZORRO), 1)[:10])
    path = tmp_path_factory.mktemp("pairs") / "own.jsonl"
    rows = [{"sentence_good": f"the {n} {v}s .", "sentence_bad": f"the {n} {v} ."}
            for n in ("dog", "cat", "girl", "boy", "bird") for v in ("run", "eat", "see", "sleep", "play", "sing",
                                                                     "walk", "swim")]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return load_suite("own", path)


def plain_log_prob(model, tok, objective: str, sentence: str, pll: str = "original", reading: str = "pseudo") -> float:
    """One sentence, one token at a time, no batching: the definition each objective's score follows."""
    enc = tok(sentence, add_special_tokens=False)
    ids, word_ids = enc["input_ids"], enc.word_ids()
    total = 0.0
    with torch.no_grad():
        if objective == "causal":
            x = torch.tensor([[tok.eos_token_id] + ids])
            lp = model(x).logits[0].log_softmax(-1)
            total = sum(lp[i, ids[i]].item() for i in range(len(ids)))
        elif objective == "masked":
            for i in range(len(ids)):
                x = [tok.cls_token_id] + ids + [tok.sep_token_id]
                x[i + 1] = tok.mask_token_id
                if pll == "word_l2r":
                    for j in range(i + 1, len(ids)):
                        if word_ids[j] == word_ids[i]:
                            x[j + 1] = tok.mask_token_id
                total += model(torch.tensor([x])).logits[0, i + 1].log_softmax(-1)[ids[i]].item()
        elif reading == "pseudo":  # XLNet: the whole sentence exists, nobody sees the target (nor its word's rest)
            x = torch.tensor([[tok.sep_token_id] + ids])
            for i in range(len(ids)):
                perm = torch.zeros(1, len(ids) + 1, len(ids) + 1)
                perm[0, :, i + 1] = 1
                if pll == "word_l2r":
                    for j in range(i + 1, len(ids)):
                        if word_ids[j] == word_ids[i]:
                            perm[0, :, j + 1] = 1
                target = torch.zeros(1, 1, len(ids) + 1)
                target[0, 0, i + 1] = 1
                out = model(x, perm_mask=perm, target_mapping=target, use_mems=False).logits
                total += out[0, 0].log_softmax(-1)[ids[i]].item()
        else:  # XLNet read left to right: only the prefix exists, each position sees those before it
            x = torch.tensor([[tok.sep_token_id] + ids])
            for i in range(1, len(ids) + 1):
                perm = torch.triu(torch.ones(i + 1, i + 1))[None]
                target = torch.zeros(1, 1, i + 1)
                target[0, 0, i] = 1
                out = model(x[:, : i + 1], perm_mask=perm, target_mapping=target, use_mems=False).logits
                total += out[0, 0].log_softmax(-1)[ids[i - 1]].item()
    return total


@pytest.mark.parametrize("arch,pll,reading", [
    ("llama", "original", "pseudo"), ("mamba2", "original", "pseudo"), ("bert", "original", "pseudo"),
    ("bert", "word_l2r", "pseudo"), ("xlnet", "original", "pseudo"), ("xlnet", "word_l2r", "pseudo"),
    ("xlnet", "original", "left_to_right")])
def test_scorer_equals_a_plain_forward_pass_per_sentence(tiny_model, forty_pairs, arch, pll, reading):
    from hf_leaner.evaluation.sentence_scores import SentenceScorer
    from hf_leaner.evaluation.zero_shot import score_pairs

    scorer = SentenceScorer.from_pretrained(str(tiny_model(arch)), pll=pll, permutation_reading=reading,
                                            batch_tokens=300, device="cpu")
    assert scorer.objective == {"llama": "causal", "mamba2": "causal", "bert": "masked", "xlnet": "permutation"}[arch]
    rows = score_pairs(scorer, forty_pairs)
    assert len(rows) == 40
    for pair, row in zip(forty_pairs, rows):
        for sentence, got in ((pair.good, row["logprob_good"]), (pair.bad, row["logprob_bad"])):
            want = plain_log_prob(scorer.model, scorer.tokenizer, scorer.objective, sentence, pll, reading)
            assert abs(got - want) < 1e-4, (arch, sentence, got, want)
    if pll == "word_l2r":  # the variant changes the score of a sentence with a word split in pieces
        plain = SentenceScorer.from_pretrained(str(tiny_model(arch)), permutation_reading=reading, device="cpu")
        assert any(abs(a - b) > 1e-3 for a, b in zip(plain.log_probs([p.good for p in forty_pairs]),
                                                     [r["logprob_good"] for r in rows]))


def test_a_constant_model_scores_exactly_half_with_every_pair_a_tie(tiny_model, forty_pairs, tmp_path):
    """A model whose output is constant (a zero LM head: uniform over the vocabulary) gives every sentence of n
    tokens -n log V; on pairs of equal token length each pair is a tie, so the command must say 50.0, not 100."""
    from transformers import AutoModelForCausalLM

    from hf_leaner.models.tokenizer import load_tokenizer

    folder = tmp_path / "constant"
    model = AutoModelForCausalLM.from_pretrained(tiny_model("llama"))
    model.lm_head.weight.data.zero_()
    model.save_pretrained(folder)
    tok = load_tokenizer(str(tiny_model("llama")))
    tok.save_pretrained(folder)
    same_length = [p for p in forty_pairs if len(tok(p.good)["input_ids"]) == len(tok(p.bad)["input_ids"])]
    assert len(same_length) >= 5
    suite = tmp_path / "equal_length.jsonl"
    suite.write_text("".join(json.dumps({"sentence_good": p.good, "sentence_bad": p.bad, "UID": p.paradigm,
                                         "pairID": p.pair_id}) + "\n" for p in same_length))
    out = tmp_path / "out"
    run = subprocess.run(CLI + ["eval-zero-shot", str(folder), "--suites", "mine", "--data", f"mine={suite}",
                                "--output_dir", str(out)], capture_output=True, text=True, env=ENV, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((out / "results.json").read_text())["models"]["constant"]["suites"]["mine"]
    assert result["ties"] == result["pairs"] == len(same_length)
    assert all(p["accuracy"] == 0.5 for p in result["paradigms"].values())
    assert result["accuracy"] == 0.5
    assert "50.0" in run.stdout


def test_a_result_written_beside_the_model_keeps_its_scores_but_new_weights_do_not(tiny_model, forty_pairs, tmp_path):
    """The cells are keyed by what the scores come from (weights, config, tokenizer): a results file another
    command writes into the model's folder (EXP1's bits_per_char.json) is not a new model; new weights are."""
    import shutil

    from safetensors.torch import load_file, save_file

    folder = tmp_path / "model"
    shutil.copytree(tiny_model("llama"), folder)
    suite = tmp_path / "pairs.jsonl"
    suite.write_text("".join(json.dumps({"sentence_good": p.good, "sentence_bad": p.bad}) + "\n"
                             for p in forty_pairs[:8]))
    argv = CLI + ["eval-zero-shot", str(folder), "--suites", "mine", "--data", f"mine={suite}",
                  "--output_dir", str(tmp_path / "out")]

    def scored_now() -> int:
        run = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads((tmp_path / "out" / "results.json").read_text())["models"]["model"]["pairs_scored_this_run"]

    assert scored_now() == 8
    (folder / "bits_per_char.json").write_text(json.dumps({"corpora": {}}))
    assert scored_now() == 0
    weights = load_file(folder / "model.safetensors")
    save_file({k: v * 1.01 for k, v in weights.items()}, folder / "model.safetensors", metadata={"format": "pt"})
    assert scored_now() == 8


@pytest.mark.skipif(not (BLIMP.is_dir() and ZORRO.is_dir()), reason="BLiMP / Zorro not in ../shared")
def test_eval_zero_shot_command_writes_the_contract_and_resumes_after_kill_9(tiny_model, tmp_path):
    """The acceptance contract: results.json per model, suite and paradigm (accuracy, pairs, ties) and
    predictions/<suite>.jsonl; killed mid-run and rerun, every pair is scored once."""
    out = tmp_path / "out"
    argv = CLI + ["eval-zero-shot", str(tiny_model("bert")), str(tiny_model("llama")), "--suites", "blimp,zorro",
                  "--data", str(BLIMP.parent), "--max_pairs_per_paradigm", "12", "--output_dir", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    cells = out / "cells"
    deadline = time.time() + 240
    while time.time() < deadline and len(list(cells.rglob("*.json"))) < 4:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p: p.stat().st_mtime_ns for p in cells.rglob("*.json")}
    assert 4 <= len(before) < 2 * (67 + 23), "killed too late to test a resume"
    run = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert all(p.stat().st_mtime_ns == t for p, t in before.items()), "a finished cell was scored again"
    results = json.loads((out / "results.json").read_text())
    scored = sum(m["pairs_scored_this_run"] for m in results["models"].values())
    done_before = sum(len(json.loads(p.read_text())["rows"]) for p in before)
    assert scored == 2 * 12 * (67 + 23) - done_before
    for model in ("tiny-bert0", "tiny-llama0"):
        suites = results["models"][model]["suites"]
        assert len(suites["blimp"]["paradigms"]) == 67 and len(suites["zorro"]["paradigms"]) == 23
        cell = suites["blimp"]["paradigms"]["anaphor_gender_agreement"]
        assert 0 <= cell["accuracy"] <= 1 and cell["pairs"] == 12 and cell["ties"] >= 0
        assert "agreement_subject_verb-across_relative_clause" in suites["zorro"]["paradigms"]
    lines = [json.loads(line) for line in (out / "predictions" / "blimp.jsonl").read_text().splitlines()]
    assert len(lines) == 2 * 12 * 67
    assert len({(r["model"], r["paradigm"], r["pair_id"]) for r in lines}) == len(lines)
    assert {"model", "paradigm", "pair_id", "logprob_good", "logprob_bad"} <= set(lines[0])
    assert (out / "zero_shot.png").stat().st_size > 10_000 and "| tiny-bert0 | blimp |" in (out / "results.md").read_text()
    assert "a subset: at most 12 pairs per paradigm" in run.stdout


def test_subset_is_seeded_stable_and_grows_by_prefix(forty_pairs):
    from hf_leaner.evaluation.minimal_pairs import MinimalPair, subset

    pairs = [MinimalPair("s", f"p{k % 3}", "x", str(k), f"good {k}", f"bad {k}") for k in range(300)]
    small, large = subset(pairs, 5, seed=1), subset(pairs, 20, seed=1)
    assert len(small) == 15 and len(large) == 60 and set(small) <= set(large)
    assert subset(pairs, 5, seed=1) == small and subset(pairs, 5, seed=2) != small


def test_leaner_view_takes_lemmas_and_names_and_drops_rare_words():
    from hf_leaner.evaluation.minimal_pairs import sentence_in_leaner_vocabulary as inside

    assert inside("The children were happy.")          # children -> child
    assert inside("Derek helped Anna after school.")   # names count as in
    assert not inside("The physicist measured the isotopes.")
    assert not inside("Physicists measured the water.")  # sentence-initial, yet a known word: not a name


@pytest.mark.parametrize("content,expected", [
    ('{"sentence_good": "a b ."}\n', "bad.jsonl:1: field 'sentence_bad' is missing or empty"),
    ('{"sentence_good": "a .", "sentence_bad": "b ."}\nnot json\n', "bad.jsonl:2: malformed JSON"),
])
def test_a_bad_suite_file_is_one_line_naming_file_and_line(tiny_model, tmp_path, content, expected):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    run = subprocess.run(CLI + ["eval-zero-shot", str(tiny_model("llama")), "--suites", "mine", "--data",
                                f"mine={bad}", "--output_dir", str(tmp_path / "out")],
                         capture_output=True, text=True, env=ENV, timeout=120)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert expected in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_a_suite_without_data_is_refused_before_any_work(tiny_model, tmp_path):
    run = subprocess.run(CLI + ["eval-zero-shot", str(tiny_model("llama")), "--suites", "blimp",
                                "--output_dir", str(tmp_path / "out")], capture_output=True, text=True, env=ENV)
    assert run.returncode == 2 and "--data blimp=nyu-mll/blimp" in run.stderr
    assert not (tmp_path / "out").exists()


def test_push_results_round_trips_zero_shot_scores_beside_glue_through_the_local_hub(tiny_model, tmp_path,
                                                                                     forty_pairs):
    import yaml

    from conftest import local_hub

    suite = tmp_path / "pairs.jsonl"
    suite.write_text("".join(json.dumps({"sentence_good": p.good, "sentence_bad": p.bad, "UID": p.paradigm,
                                         "linguistics_term": p.phenomenon}) + "\n" for p in forty_pairs))
    model = str(tiny_model("llama"))
    with local_hub(tmp_path / "hub", token="zero-shot-test-token") as (url, _):
        env = {**ENV, "HF_ENDPOINT": url, "HF_TOKEN": "zero-shot-test-token", "HF_HUB_OFFLINE": "0",
               "HF_HOME": str(tmp_path / "hf_home")}

        def run(args):
            done = subprocess.run(CLI + args, capture_output=True, text=True, env=env, timeout=300)
            assert done.returncode == 0, done.stderr[-2000:]
            return done.stdout

        run(["eval-glue", model, "--tasks", "rte", "--seeds", "1", "--num-train-epochs", "1", "--max-train-examples",
             "8", "--output-dir", str(tmp_path / "glue")])
        run(["eval-zero-shot", model, "--suites", "mine", "--data", f"mine={suite}", "--output_dir",
             str(tmp_path / "zs")])
        run(["push-results", str(tmp_path / "glue"), "--repo", "user/tiny-llama"])
        run(["push-results", str(tmp_path / "zs"), "--repo", "user/tiny-llama"])
        back = subprocess.run(
            [sys.executable, "-c", "from huggingface_hub import hf_hub_download as d; import sys;"
             "print(d('user/tiny-llama', '.eval_results/zero-shot.yaml')); print(d('user/tiny-llama', 'README.md'))"],
            capture_output=True, text=True, env=env, timeout=120).stdout.split()
    results = json.loads((tmp_path / "zs" / "results.json").read_text())["models"]["tiny-llama0"]["suites"]["mine"]
    entries = {e["dataset"]["task_id"]: e["value"] for e in yaml.safe_load(Path(back[0]).read_text())}
    assert entries["zero-shot-mine"] == round(100 * results["accuracy"], 2)
    for phenomenon, scores in results["phenomena"].items():
        assert entries[f"zero-shot-mine-{phenomenon}"] == round(100 * scores["accuracy"], 2)
    meta = yaml.safe_load(Path(back[1]).read_text().split("---")[1])
    types = {r["task"]["type"] for r in meta["model-index"][0]["results"]}
    assert types == {"text-classification", "minimal-pairs"}  # GLUE's results stayed beside the new ones


def test_pretrain_zero_shot_flag_scores_the_model_and_the_card_lists_it(tmp_path):
    from hf_leaner.hub.model_card import write_model_card

    out = tmp_path / "run"
    run = subprocess.run(CLI + ["pretrain", "--arch", "llama", "--size", "100K", "--vocab_size", "400", "--max_steps",
                                "4", "--block_size", "32", "--per_device_train_batch_size", "4", "--pacing", "none",
                                "--zero_shot", "own", "--output_dir", str(out)],
                         capture_output=True, text=True, env=ENV, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "zero-shot own" in run.stdout and (out / "zero_shot" / "results.json").is_file()
    accuracy = json.loads((out / "zero_shot" / "results.json").read_text())["models"]
    (model,) = accuracy.values()
    card = write_model_card(out, "me/tiny").read_text()
    assert "## Zero-shot grammar (minimal pairs)" in card
    assert f"| own (mean over paradigms) | {100 * model['suites']['own']['accuracy']:.1f} |" in card
    assert "minimal-pairs" in card.split("---")[1]  # model-index entries beside the validation losses


def test_a_bad_zero_shot_item_stops_pretrain_before_any_work(tmp_path):
    run = subprocess.run(CLI + ["pretrain", "--zero_shot", str(tmp_path / "nowhere"), "--output_dir", str(tmp_path / "o")],
                         capture_output=True, text=True, env=ENV, timeout=120)
    assert run.returncode == 2 and "--zero_shot" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o").exists()


def test_blimp_by_hub_id_is_downloaded_only_when_asked(tiny_model, tmp_path, forty_pairs):
    """`--data blimp=nyu-mll/blimp` reads the Hub dataset (one config per paradigm), here from the local Hub server."""
    from conftest import local_hub

    repo = tmp_path / "blimp-repo"
    by_paradigm = {}
    for p in forty_pairs[:12]:
        by_paradigm.setdefault(p.paradigm, []).append({"sentence_good": p.good, "sentence_bad": p.bad, "UID": p.paradigm,
                                                       "pairID": p.pair_id, "linguistics_term": p.phenomenon})
    configs = ""
    for paradigm, rows in by_paradigm.items():
        (repo / paradigm).mkdir(parents=True)
        (repo / paradigm / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        configs += f"- config_name: {paradigm}\n  data_files:\n  - split: train\n    path: {paradigm}/train.jsonl\n"
    (repo / "README.md").write_text(f"---\nconfigs:\n{configs}---\n# a BLiMP-shaped test copy\n")
    with local_hub(tmp_path / "hub", token="blimp-test-token") as (url, _):
        env = {**ENV, "HF_ENDPOINT": url, "HF_TOKEN": "blimp-test-token", "HF_HUB_OFFLINE": "0",
               "HF_DATASETS_OFFLINE": "0", "HF_HOME": str(tmp_path / "hf_home")}
        up = subprocess.run([sys.executable, "-c", "from huggingface_hub import HfApi; import sys; api = HfApi();"
                             "api.create_repo('nyu-mll/blimp', repo_type='dataset');"
                             "api.upload_folder(folder_path=sys.argv[1], repo_id='nyu-mll/blimp', repo_type='dataset')",
                             str(repo)], capture_output=True, text=True, env=env, timeout=120)
        assert up.returncode == 0, up.stderr[-2000:]
        run = subprocess.run(CLI + ["eval-zero-shot", str(tiny_model("llama")), "--suites", "blimp", "--data",
                                    "blimp=nyu-mll/blimp", "--output_dir", str(tmp_path / "out")],
                             capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    paradigms = results["models"]["tiny-llama0"]["suites"]["blimp"]["paradigms"]
    assert {k: v["pairs"] for k, v in paradigms.items()} == {k: len(v) for k, v in by_paradigm.items()}
    assert results["protocol"]["suites"]["blimp"]["source"] == "nyu-mll/blimp"


def test_several_models_in_two_workers_score_as_one_process_does(tiny_model, tmp_path, forty_pairs):
    suite = tmp_path / "pairs.jsonl"
    suite.write_text("".join(json.dumps({"sentence_good": p.good, "sentence_bad": p.bad, "UID": p.paradigm}) + "\n"
                             for p in forty_pairs))
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"w{workers}"
        run = subprocess.run(CLI + ["eval-zero-shot", str(tiny_model("llama")), str(tiny_model("bert")), "--suites",
                                    "mine", "--data", f"mine={suite}", "--workers", workers, "--output_dir",
                                    str(outs[workers])], capture_output=True, text=True, env=ENV, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
    assert (outs["1"] / "predictions" / "mine.jsonl").read_text() == (outs["2"] / "predictions" / "mine.jsonl").read_text()
    one, two = (json.loads((outs[w] / "results.json").read_text())["models"] for w in ("1", "2"))
    assert list(one) == list(two) == ["tiny-llama0", "tiny-bert0"]  # the order given, not the order finished
    assert without_seconds(one) == without_seconds(two)  # every accuracy, tie and count, wall times aside


def without_seconds(value):
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    return value
