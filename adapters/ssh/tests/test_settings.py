"""``[adapters.ssh]`` is validated before anything starts; errors name the key path."""

import pytest

from slomix.kernel import Config, ConfigError, Kernel

SERVER = {"name": "eu", "host": "h", "user": "et", "key_path": "/k", "known_hosts": "/kh"}


def load(section: dict) -> Kernel:
    return Kernel(Config({"adapters": {"ssh": section}}), only={"ssh"}).load()


@pytest.mark.parametrize(("section", "where", "message"), [
    ({"servers": [SERVER | {"name": "EU main"}]}, r"adapters\.ssh\.servers\[0\]\.name", "match"),
    ({"servers": [SERVER | {"port": 0}]}, r"adapters\.ssh\.servers\[0\]\.port", ">= 1"),
    ({"servers": [SERVER | {"stats": "/x"}]}, r"adapters\.ssh\.servers\[0\]", "unknown field `stats`"),
    ({"servers": [SERVER, SERVER]}, r"adapters\.ssh", "server names must be unique"),
    ({"poll_seconds": 0}, r"adapters\.ssh\.poll_seconds", "> 0"),
    ({"webhook_secret": "literal"}, r"adapters\.ssh\.webhook_secret", "Expected `object`"),
    ({"webhook_max_bytes": 10}, r"adapters\.ssh\.webhook_max_bytes", ">= 1024"),
])
def test_bad_settings_are_refused_with_their_key_path(section, where, message) -> None:
    with pytest.raises(ConfigError, match=where) as refused:
        load(section)
    assert message in str(refused.value)


def test_defaults_and_folders() -> None:
    settings = load({"servers": [SERVER | {"gametimes_dir": "/g/", "endstats_dir": "/home/et/.etlegacy/legacy/"
                                                                                  "gamestats"}]}).settings_for("ssh")
    assert settings.poll_seconds == 30 and settings.webhook_secret.env == "SLOMIX_WEBHOOK_SECRET"
    assert settings.servers[0].folders() == ["/home/et/.etlegacy/legacy/gamestats", "/g"]
