"""`kiosk demo-tour`'s options for the five tour variants (sizes, text size, contrast,
a citizen switching language on the way)."""

from __future__ import annotations

import pytest

from kiosk.cli.main import _parser


def test_the_tour_takes_a_screen_size_text_size_contrast_and_a_language_switch() -> None:
    args = _parser().parse_args(
        [
            "demo-tour",
            "--screenshots",
            "out/x",
            "--size",
            "1080x1920",
            "--large-text",
            "--high-contrast",
            "--switch-language-at",
            "papers",
        ]
    )
    assert args.size == (1080, 1920) and args.large_text and args.high_contrast
    assert args.switch_language_at == "papers"
    default = _parser().parse_args(["demo-tour", "--screenshots", "out/y"])
    assert default.size == (1280, 800) and not default.large_text
    assert default.switch_language_at is None


@pytest.mark.parametrize("size", ["1280", "wide", "10x10", "1280x800x2"])
def test_a_screen_size_that_is_not_one_is_refused(
    size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["demo-tour", "--screenshots", "out", "--size", size])
    err = capsys.readouterr().err
    assert "WIDTHxHEIGHT" in err or "640x480" in err
