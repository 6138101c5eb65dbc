#!/usr/bin/env bash
# The test suite. Tests on the real TinyHelen files run when ../shared/tinyhelen exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup_env.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec "${HF_LEANER_VENV:-.venv}/bin/python" -m pytest "$@"
