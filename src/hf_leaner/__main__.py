"""``python -m hf_leaner`` is the ``hf-leaner`` command."""

import sys

from hf_leaner.cli import main

sys.exit(main())
