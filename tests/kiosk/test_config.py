from pathlib import Path

import pytest

from kiosk.runtime.config import (
    ConfigError,
    KioskConfig,
    declared_settings,
    load_config,
    write_setting,
)


def test_defaults_run_the_demo_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", environ={})
    assert config == KioskConfig()
    assert config.ui.language == "vi"
    assert config.devices.card_reader == "simulator"


def test_every_setting_has_a_type_default_and_description() -> None:
    infos = list(declared_settings())
    assert len(infos) > 20
    for info in infos:
        assert info.description.strip(), info.key
        assert info.type in (str, int, bool, float), info.key
        assert isinstance(info.default, info.type), info.key
        assert info.env_name.startswith("KIOSK_")


def test_file_values_override_defaults(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[centre]\nname = "Trung tâm Phục vụ hành chính công xã Tân Hiệp"\n'
        "[session]\nidle_timeout_s = 180\n",
        encoding="utf-8",
    )
    config = load_config(path, environ={})
    assert config.centre.name.endswith("Tân Hiệp")
    assert config.session.idle_timeout_s == 180


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[ui]\nlanguage = "vi"\n', encoding="utf-8")
    config = load_config(path, environ={"KIOSK_UI_LANGUAGE": "en", "KIOSK_UI_FULLSCREEN": "false"})
    assert config.ui.language == "en"
    assert config.ui.fullscreen is False


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        (
            '[session]\nidle_timeout_s = "soon"\n',
            ["session.idle_timeout_s", "'soon'", "an integer from 45 to 1800"],
        ),
        ("[session]\nidle_warning_s = 5\n", ["session.idle_warning_s", "5", "from 20"]),
        ('[ui]\nlanguage = "fr"\n', ["ui.language", "'fr'", "'vi', 'en'"]),
        ("[ui]\nfullscreen = 1\n", ["ui.fullscreen", "1", "true or false"]),
        ('[ui]\ncolour = "red"\n', ["unknown setting ui.colour"]),
        ('[printer]\nname = "x"\n', ["unknown section [printer]"]),
        (
            "[session]\nidle_timeout_s = 60\nidle_warning_s = 60\n",
            ["session.idle_warning_s", "less than session.idle_timeout_s"],
        ),
        ("not toml at all =", ["not valid TOML"]),
    ],
)
def test_invalid_file_names_key_value_and_expectation(
    tmp_path: Path, toml: str, fragments: list[str]
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    for fragment in fragments:
        assert fragment in str(error.value)


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"KIOSK_SESSION_IDLE_TIMEOUT_S"):
        load_config(tmp_path / "none.toml", environ={"KIOSK_SESSION_IDLE_TIMEOUT_S": "ten"})


def test_set_persists_operator_setting_and_keeps_others(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "kiosk.toml"
    write_setting(path, "centre.kiosk_number", "7")
    write_setting(path, "centre.name", 'Trung tâm "Một cửa" phường Hoàn Kiếm')
    config = load_config(path, environ={})
    assert config.centre.kiosk_number == 7
    assert config.centre.name == 'Trung tâm "Một cửa" phường Hoàn Kiếm'
    assert not path.with_suffix(".tmp").exists()


def test_set_refuses_invalid_value_and_leaves_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    write_setting(path, "centre.kiosk_number", "3")
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"centre\.kiosk_number"):
        write_setting(path, "centre.kiosk_number", "300")
    assert path.read_bytes() == before


def test_the_configuration_reference_in_docs_is_current() -> None:
    from kiosk.runtime.config import settings_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    assert doc.read_text(encoding="utf-8") == settings_markdown(), (
        "run: kiosk config show --markdown > docs/configuration.md"
    )
