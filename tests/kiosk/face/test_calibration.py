"""Only matchers with a threshold measured on East-Asian faces can be configured."""

from __future__ import annotations

import pytest

from kiosk.face.embed import CALIBRATIONS, MAX_CALIBRATED_FMR, make_embedder
from kiosk.runtime.config import FACE_EMBEDDERS, ConfigError, build_config, setting_info


def test_every_selectable_embedder_has_a_measured_threshold_for_fmr_0_1_percent() -> None:
    choices = setting_info("face.embedder").choices
    assert choices == FACE_EMBEDDERS
    built_in = [name for name in choices if name != "custom"]
    assert built_in == list(CALIBRATIONS)
    for name in built_in:
        calibration = CALIBRATIONS[name]
        assert calibration.target_fmr <= MAX_CALIBRATED_FMR
        assert calibration.fmr <= calibration.target_fmr
        assert "East-Asian" in calibration.data and calibration.command
        # Enough impostor pairs for the claim (rule of three) from many people.
        assert calibration.impostor_pairs >= 3 / calibration.target_fmr
        assert calibration.people >= 80


@pytest.mark.parametrize("embedder", ["dlib", "facenet", "arcface"])
def test_the_configuration_refuses_an_embedder_without_a_measured_threshold(
    embedder: str,
) -> None:
    with pytest.raises(ConfigError) as info:
        build_config({"face": {"embedder": embedder}})
    assert "face.embedder" in str(info.value) and "'sface'" in str(info.value)
    with pytest.raises(ValueError, match="no threshold measured on East-Asian faces"):
        make_embedder(embedder)


def test_a_custom_model_must_bring_its_own_threshold() -> None:
    model = {
        "embedder": "custom",
        "custom_model": "/opt/site.onnx",
        "custom_model_sha256": "a" * 64,
    }
    with pytest.raises(ConfigError, match="kiosk face evaluate --embedder custom"):
        build_config({"face": model})
    with pytest.raises(ConfigError):
        build_config({"face": {"embedder": "custom", "threshold": 0.5}})  # no model
    config = build_config({"face": {**model, "threshold": 0.51}})
    assert config.face.threshold == 0.51


def test_the_default_embedder_is_the_calibrated_one() -> None:
    config = build_config({})
    assert config.face.embedder == "sface" and config.face.threshold == 0.0
    assert CALIBRATIONS["sface"].threshold == 0.42
