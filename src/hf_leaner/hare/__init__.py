"""HARE's data principles as datatrove steps and plain functions: benchmark decontamination, a leakage
probe for trained models, quality filters and semantic-diversity sampling."""
