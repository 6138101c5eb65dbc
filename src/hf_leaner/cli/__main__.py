"""``python -m hf_leaner.cli`` is the ``hf-leaner`` command."""

import sys

from hf_leaner.cli.main import main

sys.exit(main())
