"""Two CPU processes under `accelerate launch`: one curriculum order, disjoint batches, no double sharding, and
model-based difficulty scores identical to a single process's."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from accelerate import Accelerator
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

from hf_leaner.curriculum.model_scoring import document_losses
from hf_leaner.train.packing import make_collator
from hf_leaner.train.pretrain import PretrainArguments, load_corpus, tokenize_documents


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_share_one_curriculum(tmp_path):
    launcher = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    if launcher is None:
        pytest.skip("accelerate launcher not installed")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "CUDA_VISIBLE_DEVICES": ""}
    # `accelerate launch --cpu` starts a single process whatever --num_processes says (its "simple" launcher);
    # the multi-process launcher (torchrun) with no visible GPU gives the CPU/gloo run that is meant
    run = subprocess.run([launcher, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                          "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(_free_port()),
                          str(Path(__file__).with_name("dist_worker.py")), str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    # one schedule: the same stages at the same positions, the same (re-scored) document orders
    assert r0["history"] == r1["history"] and len(r0["history"]) >= 2
    assert r0["orders"] == r1["orders"] and r0["global"] == r1["global"]
    # process p trains on batches p, p+2, p+4, ... of that one sequence: disjoint, and nothing sharded twice
    bs, steps, seq = 3, 16, r0["global"]
    for k in range(steps):
        assert r0["seen"][k * bs:(k + 1) * bs] == seq[(2 * k) * bs:(2 * k + 1) * bs], k
        assert r1["seen"][k * bs:(k + 1) * bs] == seq[(2 * k + 1) * bs:(2 * k + 2) * bs], k
    # scores: the same on both processes, and the same as one process computes with the same models
    assert r0["clm_scores"] == r1["clm_scores"] and r0["mlm_scores"] == r1["mlm_scores"]
    single = Accelerator(cpu=True)
    tok = AutoTokenizer.from_pretrained(tmp_path / "model")
    texts = load_corpus(PretrainArguments(data="sample"))["train"]["text"][:200]
    all_docs = tokenize_documents(Dataset.from_dict({"text": texts}), tok, "text")
    order0 = np.array(r0["orders"][0])
    train_docs = all_docs.subset(sorted(order0.tolist()))  # the held-out slice is not scored
    clm = document_losses(train_docs, AutoModelForCausalLM.from_pretrained(tmp_path / "model"), "clm",
                          accelerator=single, collator=None, block_size=32, batch_size=8, seed=3)
    np.testing.assert_allclose(clm, r0["clm_scores"], rtol=1e-5)
    mlm_tok = AutoTokenizer.from_pretrained(tmp_path / "bert")
    mlm_docs = tokenize_documents(Dataset.from_dict({"text": train_docs.texts}), mlm_tok, "text")
    mlm = document_losses(mlm_docs, AutoModelForMaskedLM.from_pretrained(tmp_path / "bert"), "mlm",
                          accelerator=single, collator=make_collator("mlm", mlm_tok), block_size=32, batch_size=8, seed=3)
    np.testing.assert_allclose(mlm, r0["mlm_scores"], rtol=1e-5)
