"""`datasets` builders of the LEANER corpora.

``datasets>=4`` no longer runs loading scripts, so these builders are not loaded by ``load_dataset``:
``hf-leaner build-dataset`` (or :func:`hf_leaner.load_leaner`) runs them to *build* a corpus, which is
then published as Parquet with a dataset card whose ``configs:`` make plain ``load_dataset`` work.
Installed, this folder is the package ``hf_leaner.dataset_scripts``.
"""

from .leaner_eval import LeanerEval
from .leaner_glue import LeanerGlue
from .leaner_instruct import LeanerInstruct
from .leaner_pretrain import LeanerPretrain

BUILDERS = {
    "leaner-pretrain": LeanerPretrain,
    "leaner-glue": LeanerGlue,
    "leaner-eval": LeanerEval,
    "leaner-instruct": LeanerInstruct,
}

__all__ = ["BUILDERS", "LeanerEval", "LeanerGlue", "LeanerInstruct", "LeanerPretrain"]
