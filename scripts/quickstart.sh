#!/usr/bin/env bash
# The main job, end to end (CPU): the release's files from the Hub when online (--data auto), else the embedded
# sample. Extra arguments go to `hf-leaner quickstart` (see --help), e.g. --data ../shared/tinyhelen --output outputs/real.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup_env.sh
exec "${HF_LEANER_VENV:-.venv}/bin/hf-leaner" quickstart "$@"
