"""`datasets` builders of the LEANER corpora.

``datasets>=4`` no longer runs loading scripts, so these builders are not loaded by ``load_dataset``:
``hf-leaner build-dataset`` (or :func:`hf_leaner.load_leaner`) runs them to *build* a corpus, which is
then published as Parquet with a dataset card whose ``configs:`` make plain ``load_dataset`` work.
Installed, this folder is the package ``hf_leaner.dataset_scripts``.
"""

from hf_leaner.data.release import LEANER_EVAL, LEANER_GLUE, LEANER_INSTRUCT, LEANER_PRETRAIN

from .leaner_eval import LeanerEval
from .leaner_glue import LeanerGlue
from .leaner_instruct import LeanerInstruct
from .leaner_pretrain import LeanerPretrain

BUILDERS = {
    LEANER_PRETRAIN: LeanerPretrain,
    LEANER_GLUE: LeanerGlue,
    LEANER_EVAL: LeanerEval,
    LEANER_INSTRUCT: LeanerInstruct,
}

__all__ = ["BUILDERS", "LeanerEval", "LeanerGlue", "LeanerInstruct", "LeanerPretrain"]
