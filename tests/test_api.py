"""The Python API predicts what the trainer predicted for the same checkpoint and inputs."""

import numpy as np
import pandas as pd
import pytest

from mmolre.api import Predictor
from mmolre.config import ConfigError, load_config
from mmolre.constants import EMOTIONS
from mmolre.training.run import prepare_data, run
from tests.test_training import TINY


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    cfg = load_config(overrides=TINY)
    cfg.train.seeds = [21]
    run(cfg, folder)
    return cfg, folder / "seed_21"


def test_predict_features_matches_saved_test_predictions(trained):
    cfg, folder = trained
    test = prepare_data(cfg).splits["test"]
    predictor = Predictor.from_checkpoint(folder)
    preds = predictor.predict_features(test.features)
    saved = pd.read_csv(folder / "test_predictions.csv")
    assert list(saved["id"]) == test.ids
    np.testing.assert_allclose([p.sentiment for p in preds], saved["sentiment_pred"], atol=1e-5)
    for emotion, threshold in zip(EMOTIONS, predictor.thresholds):
        probs = np.array([p.emotion_probs[emotion] for p in preds])
        np.testing.assert_allclose(probs, saved[f"{emotion}_prob"], atol=1e-5)
        assert [p.emotions_present[emotion] for p in preds] == list(probs >= threshold)


def test_wrong_feature_shape_is_a_clear_error(trained):
    _, folder = trained
    predictor = Predictor.from_checkpoint(folder)
    with pytest.raises(ConfigError, match="audio features of shape"):
        predictor.predict_features({"text": [np.zeros((3, 32))], "audio": [np.zeros((3, 5))]})
    with pytest.raises(ConfigError, match="audio"):
        predictor.predict_features({"text": [np.zeros((3, 32))]})
