"""Settings: precedence file < environment < flags, validation as one sentence, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from commcentre_tui.actions.registry import ALL_ACTIONS, DEFAULT_ACTIONS
from commcentre_tui.config import DEFAULT_CONFIG_PATH, ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid_and_enables_every_action() -> None:
    settings = load_settings(DEFAULT_CONFIG_PATH)
    assert set(settings.actions.enabled) == set(ALL_ACTIONS)
    assert settings.search.default_field == "any"
    assert settings.search.enabled("quick")[0] == "any"


def test_precedence_file_then_environment_then_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        '[email]\nport = 2525\nhost = "mail.example"\n[database]\nurl = "sqlite:///file.db"\n',
    )
    assert load_settings(path).email.port == 2525

    monkeypatch.setenv("COMMCENTRE_EMAIL__PORT", "2626")
    settings = load_settings(path)
    assert settings.email.port == 2626
    assert (
        settings.email.host == "mail.example"
    )  # the rest of the section still comes from the file

    settings = load_settings(path, email={"port": 2727}, database={"url": "sqlite:///flag.db"})
    assert settings.email.port == 2727
    assert settings.database.url == "sqlite:///flag.db"


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[search]\ndefault_operator = "="\n')
    monkeypatch.setenv("COMMCENTRE_CONFIG", str(path))
    assert load_settings().search.default_operator == "="


def test_absent_actions_section_means_the_seed_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[search]\npage_size = 20\n"))
    assert settings.actions.enabled == list(DEFAULT_ACTIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[email]\nport = "lots"\n', "email.port"),
        ('[actions]\nenabled = ["Fly to the Moon"]\n', "unknown action 'Fly to the Moon'"),
        ('[search]\ndefault_operator = "~"\n', "search.default_operator"),
        ("[search.contact]\nshoe_size = { quick = true }\n", "unknown field 'shoe_size'"),
        ("[emial]\nport = 25\n", "emial: not a known setting"),
        ('[search]\ndefault_region = "XX"\n', "search.default_region"),
        ('[billing]\ntax_rate = "lots"\n', "billing.tax_rate"),
        ("[email\n", "not valid TOML"),
    ],
)
def test_bad_values_are_one_sentence_naming_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert "Traceback" not in message


def test_wrong_type_from_environment_names_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMMCENTRE_WORKER__MAX_ATTEMPTS", "many")
    with pytest.raises(ConfigError, match="worker.max_attempts"):
        load_settings(write(tmp_path, ""))


@pytest.mark.parametrize(
    ("section", "key"), [("email", "password"), ("cti", "secret"), ("sms", "api_key")]
)
def test_secrets_are_refused_in_the_file(tmp_path: Path, section: str, key: str) -> None:
    with pytest.raises(ConfigError, match=f"COMMCENTRE_{section.upper()}__{key.upper()}"):
        load_settings(write(tmp_path, f'[{section}]\n{key} = "hunter2"\n'))


def test_secrets_come_from_the_environment_and_stay_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMCENTRE_EMAIL__PASSWORD", "hunter2")
    settings = load_settings(write(tmp_path, ""))
    assert settings.email.password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in settings.model_dump_json()


def test_missing_config_file_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_search_field_order_follows_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[search.contact]\nphone = { quick = true, advanced = false, order = 1 }\n"
        "last_name = { quick = true, advanced = true, order = 2 }\n"
        "[search.address]\n[search.account]\n[search.subscription]\n",
    )
    settings = load_settings(path)
    assert settings.search.enabled("quick") == ["any", "phone", "last_name"]
    assert settings.search.enabled("advanced") == ["last_name"]


@pytest.mark.parametrize(
    "text", ['[email]\nport = "lots"\n', "[email\n", '[logging]\nlevel = "loud"\n']
)
def test_a_broken_config_in_the_current_folder_is_an_error_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
) -> None:
    """`commcentre` run in a folder holding a broken config.toml: one sentence naming it, exit 2
    (it is never passed over for the checkout's)."""
    from commcentre_tui.cli import main

    monkeypatch.delenv("COMMCENTRE_CONFIG")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_bytes(text.encode())
    assert main(["config", "path"]) == 2
    out, err = capsys.readouterr()
    assert (
        out == ""
        and err.count("\n") == 1
        and err.startswith(f"commcentre: {tmp_path / 'config.toml'}: ")
    )
    (tmp_path / "config.toml").write_text("[email]\nport = 2525\n", encoding="utf-8")
    assert main(["config", "path"]) == 0
    assert f"{tmp_path / 'config.toml'}  (the current folder's)" in capsys.readouterr().out
