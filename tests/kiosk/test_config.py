import os
import subprocess
import sys
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
    from kiosk.cli.settings_doc import settings_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    assert doc.read_text(encoding="utf-8") == settings_markdown(), (
        "run: kiosk config show --markdown > docs/configuration.md"
    )


# Every configuration error is one line, through the command line -------------------------
def _kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def _settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text + "[logging]\nfile = false\n", encoding="utf-8")
    return path


def _case_not_utf8(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    path = tmp_path / "kiosk.toml"
    path.write_bytes('[centre]\nname = "Trung tâm"\n'.encode("utf-16"))
    return ["--config", str(path), "sync", "status"], {}


def _case_settings_is_a_folder(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    return ["--config", str(tmp_path), "sync", "status"], {}


def _case_check_a_missing_file(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    return ["config", "check", str(tmp_path / "absent.toml")], {}


def _case_set_where_nothing_can_be_written(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    return ["--config", "/proc/kiosk/kiosk.toml", "config", "set", "ui.language", "en"], {}


def _case_data_dir_is_a_file(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    config = _settings(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    return ["--config", str(config), "sync", "status"], {}


def _case_data_dir_in_proc(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    config = _settings(tmp_path, '[storage]\ndata_dir = "/proc/kiosk-data"\n')
    return ["--config", str(config), "dossier", "submit-demo"], {}


def _case_data_dir_proc_itself(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    config = _settings(tmp_path, "")
    return ["--config", str(config), "sync", "status"], {"KIOSK_STORAGE_DATA_DIR": "/proc/self"}


def _case_data_dir_under_a_file(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    config = _settings(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "file" / "data"}"\n')
    return ["--config", str(config), "store", "check"], {}


def _case_database_is_a_folder(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    (tmp_path / "data" / "kiosk.db").mkdir(parents=True)
    config = _settings(tmp_path, f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    return ["--config", str(config), "sync", "status"], {}


def _case_credential_is_a_folder(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    config = _settings(
        tmp_path,
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[sync]\ncentral_url = "http://127.0.0.1:9"\ncredential = "{tmp_path}"\n',
    )
    return ["--config", str(config), "sync", "run", "--once"], {}


def _case_ca_bundle_missing(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.central.protocol import save_private_key

    save_private_key(Ed25519PrivateKey.generate(), tmp_path / "key.pem")
    config = _settings(
        tmp_path,
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[sync]\ncentral_url = "https://127.0.0.1:9"\ncredential = "{tmp_path / "key.pem"}"\n'
        f'ca_bundle = "{tmp_path / "absent.pem"}"\n',
    )
    return ["--config", str(config), "sync", "run", "--once"], {}


def _case_demo_card_missing(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    config = _settings(
        tmp_path,
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        f'[devices]\ndemo_card_profile = "{tmp_path / "card.json"}"\n',
    )
    return ["--config", str(config), "dossier", "submit-demo"], {}


CLI_CASES = [
    (_case_not_utf8, "not valid UTF-8"),
    (_case_settings_is_a_folder, "cannot read the settings file (Is a directory)"),
    (_case_check_a_missing_file, "no such settings file"),
    (_case_set_where_nothing_can_be_written, "cannot write the settings file"),
    (_case_data_dir_is_a_file, "storage.data_dir"),
    (_case_data_dir_in_proc, "storage.data_dir = '/proc/kiosk-data'"),
    (_case_data_dir_proc_itself, "storage.data_dir = '/proc/self'"),
    (_case_data_dir_under_a_file, "storage.data_dir"),
    (_case_database_is_a_folder, "kiosk.db cannot be opened (it is a folder)"),
    (_case_credential_is_a_folder, "sync.credential"),
    (_case_ca_bundle_missing, "sync.ca_bundle"),
    (_case_demo_card_missing, "devices.demo_card_profile"),
]


@pytest.mark.parametrize(
    ("case", "fragment"), CLI_CASES, ids=[c[0].__name__.removeprefix("_case_") for c in CLI_CASES]
)
def test_a_configuration_error_is_one_line_naming_the_setting_or_file(
    tmp_path: Path, case, fragment: str
) -> None:
    args, env = case(tmp_path)
    result = _kiosk(*args, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]


def test_a_settings_file_saved_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[ui]\nlanguage = "en"\n')
    assert load_config(path, environ={}).ui.language == "en"
