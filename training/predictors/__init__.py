"""Loadable predictors: what serving needs to load a registered model directory and predict.

Each module holds a predictor class with exactly what loading and predicting need (file
names and format tags, encoders, priors, feature builders) and imports no Ray, no
``training.search`` and no MLflow, so a server or a CLI command can answer with a trained
model without paying for (or depending on) the training stack. The fitting modules
(``training.outcome_model``, ``training.transition_model``, ``training.referral_ranker``)
import these, never the reverse.
"""
