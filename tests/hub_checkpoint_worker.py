"""Run with HF_ENDPOINT at the local hub: train with hub_strategy="checkpoint", download the pushed
last-checkpoint, resume from it in a fresh trainer; print both runs' curriculum and losses as JSON."""

import json
import sys
from pathlib import Path

from huggingface_hub import snapshot_download

sys.path.insert(0, str(Path(__file__).parent))
from curriculum_runs import pretraining  # noqa: E402

from hf_leaner.models.tokenizer import train_tokenizer  # noqa: E402
from hf_leaner.train.pretrain import PretrainArguments, load_corpus  # noqa: E402

out = Path(sys.argv[1])
corpus = load_corpus(PretrainArguments(data="sample"))
tokenizers = {"clm": train_tokenizer(iter(corpus["train"]["text"]), "clm", vocab_size=400)}
kw = dict(documents=120, difficulty="self_loss", threshold=1.0, max_steps=12, save_strategy="steps", save_steps=8)
full = pretraining(out / "pushed", corpus, tokenizers, push_to_hub=True, hub_model_id="me/curriculum-run",
                   hub_strategy="checkpoint", **kw)
full.train()
full._finish_current_push()
local = snapshot_download("me/curriculum-run", allow_patterns=["last-checkpoint/*"], local_dir=out / "download")
resumed = pretraining(out / "resumed", corpus, tokenizers, **kw)
resumed.train(resume_from_checkpoint=str(Path(local) / "last-checkpoint"))
losses = lambda t: [round(h["loss"], 5) for h in t.state.log_history if "loss" in h and h["step"] > 8]
print(json.dumps({"full": {"history": full.curriculum.history, "losses": losses(full)},
                  "resumed": {"history": resumed.curriculum.history, "losses": losses(resumed)},
                  "files": sorted(p.name for p in (Path(local) / "last-checkpoint").iterdir())}))
