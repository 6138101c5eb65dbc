"""Hub code paths over real HTTP, against the local hub server running as its own process."""

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import CLI, local_hub

TOKEN = "local-test-write-token"  # the server's write token; clients get it as HF_TOKEN
FAKE_TOKEN = "hf_" + "Q" * 34  # token-shaped, given to `pretrain --hub_token`


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with local_hub(root, token=TOKEN) as (url, _):
        env = {**os.environ, "HF_ENDPOINT": url, "HF_TOKEN": TOKEN, "HF_HOME": str(tmp_path_factory.mktemp("hf_home")),
               "HF_HUB_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0"}
        yield {"url": url, "root": root, "env": env}


def _run(args, env, cwd=None):
    run = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    return run.stdout


def test_release_download_build_push_and_load_by_repo_id(hub, tmp_path, sample_dir):
    env = hub["env"]
    # the "public release" on this hub: our sample, uploaded as EmpathYang/TinyHelen
    _run([sys.executable, "-c", (
        "from huggingface_hub import HfApi; api = HfApi();"
        "api.create_repo('EmpathYang/TinyHelen', repo_type='dataset', exist_ok=True);"
        f"api.upload_folder(folder_path={str(sample_dir)!r}, repo_id='EmpathYang/TinyHelen', repo_type='dataset',"
        " allow_patterns=['data/**'])")], env)
    # no --data-dir: the builder downloads the files it needs from the Hub, then publishes and pushes
    out = _run(CLI + ["build-dataset", "leaner-eval", "--output", str(tmp_path / "out"), "--push-to-hub", "me/leaner-eval"], env)
    assert "pushed: " + hub["url"] + "/datasets/me/leaner-eval/commit/" in out
    assert (hub["root"] / "datasets/me/leaner-eval/split-0-7/test-00000-of-00001.parquet").is_file()
    # anyone can now load it by repo id, with plain datasets
    code = ("from datasets import load_dataset; import json;"
            "d = load_dataset('me/leaner-eval', 'split-0-7', split='test'); print(json.dumps(d[0]))")
    row = json.loads(_run([sys.executable, "-c", code], env).strip().splitlines()[-1])
    assert row["question"] == "Why do we need to sleep?"


def test_pushing_again_is_a_new_commit_with_the_same_files(hub, tmp_path, sample_dir):
    env = hub["env"]
    args = CLI + ["build-dataset", "leaner-glue", "--data-dir", str(sample_dir), "--output", str(tmp_path), "--push-to-hub", "me/glue"]
    first = re.search(r"commit/([0-9a-f]{40})", _run(args, env))[1]
    second = re.search(r"commit/([0-9a-f]{40})", _run(args, env))[1]
    log = json.loads((hub["root"] / "datasets/me/glue/.local_hub.json").read_text())
    assert [c["sha"] for c in log][-2:] == [first, second]
    assert log[-1]["parent"] == first and log[-1]["tree"] == log[-2]["tree"]  # a child commit, the same files


def test_bad_card_yaml_is_rejected_by_the_server(hub, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "README.md").write_text("---\nconfigs:\n- data_files: x.parquet\n---\n# broken\n")
    code = ("from hf_leaner.data.publish import push_folder; from pathlib import Path;"
            f"push_folder(Path({str(folder)!r}), 'me/broken')")
    run = subprocess.run([sys.executable, "-c", code], env=hub["env"], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "configs[0]: missing config_name" in run.stderr


def test_pretrained_model_pushes_with_card_and_loads_back_by_repo_id(hub, tmp_path, sample_dir):
    env = hub["env"]
    run_dir = tmp_path / "tiny"
    _run(CLI + ["pretrain", "--arch", "llama", "--size", "100K", "--data", str(sample_dir), "--block_size", "32",
                "--vocab_size", "400", "--max_steps", "6", "--per_device_train_batch_size", "4", "--eval_strategy",
                "steps", "--eval_steps", "3", "--report_to", "none", "--use_cpu",
                "--disable_tqdm", "true", "--difficulty", "sentence_length", "--pacing", "linear",
                "--output_dir", str(run_dir),
                "--save_strategy", "steps", "--save_steps", "3", "--hub_token", FAKE_TOKEN], env)
    out = _run(CLI + ["push-model", str(run_dir), "--repo", "me/tiny-llama"], env)  # the run holds no token
    assert "/me/tiny-llama/commit/" in out
    pushed = [f for f in hub["root"].rglob("*") if f.is_file()]
    assert any(f.name == "training_args.bin" for f in pushed)
    assert not [f for f in pushed if FAKE_TOKEN.encode() in f.read_bytes()]  # grep the Hub root
    card = (hub["root"] / "models/me/tiny-llama/README.md").read_text()
    assert "model-index" in card and "LEANER wiki" in card and "non-embedding parameters" in card
    assert str(sample_dir) not in card and str(tmp_path) not in card  # no machine paths on the Hub
    code = ("import torch, json; from transformers import AutoModelForCausalLM, AutoTokenizer;"
            "m = AutoModelForCausalLM.from_pretrained('me/tiny-llama'); t = AutoTokenizer.from_pretrained('me/tiny-llama');"
            "ids = t('The dog was happy.', return_tensors='pt').input_ids;"
            "print(json.dumps(m(ids).logits[0, -1, :5].tolist()))")
    remote = json.loads(_run([sys.executable, "-c", code], env).strip().splitlines()[-1])
    local = json.loads(_run([sys.executable, "-c", code.replace("'me/tiny-llama'", repr(str(run_dir)))], env)
                       .strip().splitlines()[-1])
    assert remote == pytest.approx(local)
    # a token left in the run folder: the push is refused in one line naming the file, nothing reaches the hub
    fake = "hf_" + "Fake0Token1For2Tests3Only4Abcdef"
    (run_dir / "notes.txt").write_text(f"remember: {fake}\n")
    refused = subprocess.run(CLI + ["push-model", str(run_dir), "--repo", "me/leaky"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and "notes.txt: holds a Hub token" in refused.stderr
    (run_dir / "notes.txt").unlink()
    # a link that leads out of the folder (to /etc/passwd, a file in the home folder): refused, nothing sent
    secret = tmp_path / "home" / "private.txt"
    secret.parent.mkdir()
    secret.write_text("private: not for the Hub\n")
    (run_dir / "passwd_link.txt").symlink_to(secret)
    (run_dir / "inside_link.json").symlink_to(run_dir / "config.json")  # a link within the folder is fine
    refused = subprocess.run(CLI + ["push-model", str(run_dir), "--repo", "me/linked"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and f"passwd_link.txt: a link to {secret}, outside" in refused.stderr
    assert not (hub["root"] / "models" / "me" / "linked").exists()
    assert not [f for f in hub["root"].rglob("*") if f.is_file() and b"private: not for" in f.read_bytes()]
    (run_dir / "passwd_link.txt").unlink()  # without it the same folder pushes
    assert "/me/linked/commit/" in _run(CLI + ["push-model", str(run_dir), "--repo", "me/linked"], env)
    assert not (hub["root"] / "models/me/leaky").exists()
    assert not [f for f in hub["root"].rglob("*") if f.is_file() and fake.encode() in f.read_bytes()]


LOGITS = ("import json, sys, torch, hf_leaner.models.mamba2_classifier;"
          "from transformers import AutoModelForSequenceClassification as M, AutoTokenizer as T;"
          "out = {};\n"
          "for src in sys.argv[1:]:\n"
          "    m, t = M.from_pretrained(src).eval(), T.from_pretrained(src)\n"
          "    b = t(['A dog ran.', 'The big red ball was on the hill.'], ['It ran.', 'A ball.'], padding=True,"
          " return_tensors='pt')\n"
          "    with torch.no_grad(): out[src] = [type(m).__name__, m(**b).logits.tolist()]\n"
          "print(json.dumps(out))")


def test_glue_classifiers_of_every_family_push_and_load_back_by_repo_id(hub, tmp_path, tiny_model):
    env = {**hub["env"], "TOKENIZERS_PARALLELISM": "false"}
    folders, repos = [], []
    for arch in ("mamba2", "llama", "bert", "xlnet"):
        out = tmp_path / arch
        tasks = "rte,cola" if arch == "mamba2" else "rte"
        _run(CLI + ["eval-glue", str(tiny_model(arch)), "--tasks", tasks, "--seeds", "1", "--num-train-epochs", "1",
                    "--max-train-examples", "8", "--save-models", "--output-dir", str(out)], env)
        folders.append(str(out / "models" / "rte-lr0.001-seed1"))
        repos.append(f"user/tiny-{arch}-glue-rte")
        assert "/commit/" in _run(CLI + ["push-model", folders[-1], "--repo", repos[-1]], env)
    local, remote = (json.loads(_run([sys.executable, "-c", LOGITS, *srcs], env).strip().splitlines()[-1])
                     for srcs in (folders, repos))
    for folder, repo, arch in zip(folders, repos, ("Mamba2", "Llama", "Bert", "XLNet")):
        assert remote[repo][0] == local[folder][0] == f"{arch}ForSequenceClassification"
        assert remote[repo][1] == local[folder][1]  # identical logits, bit for bit
    # a Hub id is a MODEL eval-glue takes as it is (here: a pushed classifier, fine-tuned further)
    again = tmp_path / "by-id"
    _run(CLI + ["eval-glue", "user/tiny-llama-glue-rte", "--tasks", "rte", "--seeds", "2", "--num-train-epochs", "1",
                "--max-train-examples", "8", "--output-dir", str(again)], env)
    assert json.loads((again / "results.json").read_text())["tasks"]["rte"]["status"] == "ok"
    # push-results merges into the existing card and results file instead of replacing them
    repo = hub["root"] / "models/user/tiny-mamba2-glue-rte"
    _run([sys.executable, "-c", (
        "from huggingface_hub import HfApi; HfApi().upload_file(path_or_fileobj=b'- dataset: {id: other/bench, "
        "task_id: t1}\\n  value: 42\\n', path_in_repo='.eval_results/leaner-glue.yaml', repo_id='user/tiny-mamba2-glue-rte')")],
         env)
    assert "/commit/" in _run(CLI + ["push-results", str(tmp_path / "mamba2"), "--repo", "user/tiny-mamba2-glue-rte"], env)
    import yaml

    card = (repo / "README.md").read_text()
    meta = yaml.safe_load(card.split("---")[1])
    assert "fine-tuned on LEANER-GLUE RTE" in card and "leaner-glue" in meta["tags"]
    results = meta["model-index"][0]["results"]
    configs = {r["dataset"]["config"] for r in results}
    assert configs == {"rte", "cola"}
    entries = yaml.safe_load((repo / ".eval_results/leaner-glue.yaml").read_text())
    ids = {e["dataset"]["task_id"] for e in entries}
    assert "t1" in ids and "leaner-glue-cola-validation-matthews_correlation" in ids
    run = json.loads((tmp_path / "mamba2" / "results.json").read_text())
    mcc = next(e for e in entries if e["dataset"]["task_id"].startswith("leaner-glue-cola"))["value"]
    assert mcc == round(100 * run["tasks"]["cola"]["validation"]["matthews_correlation"], 2)

