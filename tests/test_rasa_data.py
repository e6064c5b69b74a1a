"""Rasa's own checks on the training data and the trained dialogue model."""
from __future__ import annotations

import subprocess

from tests.conftest import MODEL, RASA_BIN, ROOT, base_env

DATA = ["--data", "nlu", "stories", "build/data", "--domain", "bot/domain.yml", "--config", "config.yml"]


def rasa(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = base_env(ACTION_SERVER_URL="http://127.0.0.1:9/webhook",
                   TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}")
    return subprocess.run([str(RASA_BIN / "rasa"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)


def test_training_data_validates_without_warnings(tmp_path):
    result = rasa("data", "validate", "--fail-on-warnings", *DATA, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_test_stories_pass_with_no_prediction_errors(tmp_path):
    result = rasa("test", "core", "--stories", "tests/stories", "--model", str(MODEL),
                  "--endpoints", "bot/endpoints.yml", "--out", str(tmp_path / "results"),
                  "--fail-on-prediction-errors", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (tmp_path / "results" / "story_report.json").exists()
