"""Making a LEANER corpus: the construction pipeline (Algorithm 1) as datatrove steps with pluggable backends."""

from .pipeline import SimplifyConfig, build_pipeline, run_simplify  # noqa: F401
