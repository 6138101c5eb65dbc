"""The paper's experiments as runnable studies (``hf-leaner experiment ...``)."""
