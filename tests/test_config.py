"""Config: TOML, environment overrides, validation errors that name the key path, secrets."""

from __future__ import annotations

import msgspec
import pytest

from slomix.kernel import Config, ConfigError, Kernel, Secret
from slomix.kernel.config import validate


class Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    gap_minutes: int = 60
    maps: list[str] = []
    token: Secret | None = None


def test_toml_file_and_environment_overrides(tmp_path) -> None:
    path = tmp_path / "slomix.toml"
    path.write_text('[slomix]\ndata_dir = "/srv/x"\n[plugins.stats]\ngap_minutes = 30\n')
    env = {"SLOMIX__PLUGINS__STATS__GAP_MINUTES": "90", "SLOMIX_HTTP_PORT": "9001",
           "SLOMIX__PLUGINS__STATS__MAPS": '["supply", "te_escape2"]'}
    config = Config.load(path, env=env)
    assert config.kernel.data_dir == "/srv/x"
    assert config.section("plugin", "stats") == {"gap_minutes": 90, "maps": ["supply", "te_escape2"]}
    # $SLOMIX_HTTP_PORT is the HTTP adapter's shortcut (on_shortcuts): the config file knows no adapter.
    assert config.section("adapter", "http") == {}
    assert Kernel(config, only={"http"}).load().settings_for("http").port == 9001


def test_config_path_from_environment_and_missing_file(tmp_path) -> None:
    path = tmp_path / "other.toml"
    path.write_text("[slomix]\nlog_level = 'debug'\n")
    assert Config.load(env={"SLOMIX_CONFIG": str(path)}).kernel.log_level == "debug"
    with pytest.raises(ConfigError, match="does not exist"):
        Config.load(tmp_path / "nope.toml", env={})


def test_invalid_toml_names_the_file_and_line(tmp_path) -> None:
    path = tmp_path / "slomix.toml"
    path.write_text("[slomix]\ndata_dir = \n")
    with pytest.raises(ConfigError, match=r"slomix.toml: .*line 2"):
        Config.load(path, env={})


def test_validation_error_names_the_key_path() -> None:
    with pytest.raises(ConfigError) as caught:
        validate({"gap_minutes": "soon"}, Section, "plugins.stats")
    assert str(caught.value) == "config error at plugins.stats.gap_minutes: Expected `int`, got `str`"
    with pytest.raises(ConfigError, match=r"plugins.stats.maps\[1\]"):
        validate({"maps": ["a", 3]}, Section, "plugins.stats")
    with pytest.raises(ConfigError, match="unknown field `colour`"):
        validate({"colour": 1}, Section, "plugins.stats")


def test_kernel_settings_are_validated_too() -> None:
    with pytest.raises(ConfigError, match=r"slomix.plugin_timeout"):
        Config({"slomix": {"plugin_timeout": "long"}})


def test_generic_keys_are_the_kernels() -> None:
    config = Config({"plugins": {"stats": {"enabled": False, "timeout": 5, "gap_minutes": 10}}})
    assert config.enabled("plugin", "stats") is False
    assert config.timeout("plugin", "stats") == 5.0
    assert validate(config.section("plugin", "stats"), Section, "plugins.stats").gap_minutes == 10
    with pytest.raises(ConfigError, match=r"plugins.x.enabled"):
        Config({"plugins": {"x": {"enabled": "maybe"}}}).enabled("plugin", "x")


def test_secrets_are_references_never_literals(monkeypatch) -> None:
    section = validate({"token": {"env": "TEST_TOKEN"}}, Section, "adapters.discord")
    monkeypatch.setenv("TEST_TOKEN", "s3cret")
    assert section.token.reveal() == "s3cret"
    assert "s3cret" not in repr(section)
    with pytest.raises(ConfigError, match=r"adapters.discord.token"):
        validate({"token": "s3cret"}, Section, "adapters.discord")


def test_database_url_reference_must_resolve(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_URL", raising=False)
    config = Config({"slomix": {"database_url": {"env": "NO_SUCH_URL"}}})
    with pytest.raises(ConfigError, match="NO_SUCH_URL is not set"):
        Kernel(config)


@pytest.mark.parametrize(("toml", "env", "command", "message"), [
    (b'[slomix]\nlog_level = "caf\xe9"\n', {}, "plugins", "slomix.toml: not UTF-8 text (line 2, byte 25)"),
    (b"plugins = 5\n", {}, "plugins", "config error at plugins: must be a table, got 5"),
    (b"[plugin.stats]\nenabled = false\n", {}, "plugins", "config error at plugin: unknown section"),
    (b"[plugins.statz]\nenabled = false\n", {}, "plugins",
     "config error at plugins.statz: no installed plugin is called 'statz' (did you mean stats?)"),
    (b'[slomix]\nroot_users = ["discord:1", "nonsense"]\n', {}, "plugins",
     "config error at slomix.root_users[1]: 'nonsense' is not a user id"),
    (b"[plugins.stats]\nsession_gap_minutes = -5\n", {}, "plugins",
     "config error at plugins.stats: session_gap_minutes must be positive, got -5"),
    (b"", {"SLOMIX_DATA_DIR": "a-file"}, "db", "config error at slomix.data_dir: a-file is a file, not a folder"),
])
def test_config_edge_cases_exit_3_naming_the_key(slomix_cli, tmp_path, toml, env, command, message) -> None:
    (tmp_path / "slomix.toml").write_bytes(toml)
    (tmp_path / "a-file").write_text("not a folder")
    result = slomix_cli(*([command, "status"] if command == "db" else [command]), cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_section_of_a_plugin_this_install_lacks_is_a_warning(caplog) -> None:
    with caplog.at_level("WARNING", logger="slomix.config"):
        Kernel(Config({"plugins": {"rcon_bridge": {"enabled": False}}}), only={"stats"}).load()
    assert "[plugins.rcon_bridge] names no installed plugin" in caplog.text


def test_a_numeric_id_from_the_environment_is_its_text() -> None:
    config = Config.load(env={"SLOMIX__ADAPTERS__HTTP__LOGIN__CLIENT_ID": "1234567890123456789"})
    assert Kernel(config, only={"http"}).load().settings_for("http").login.client_id == "1234567890123456789"
    with pytest.raises(ConfigError, match=r"adapters\.http\.login\.client_id"):
        Kernel(Config.load(env={"SLOMIX__ADAPTERS__HTTP__LOGIN__CLIENT_ID": "1.5"}), only={"http"}).load()
