"""[plugins.voice] is checked before the plugin starts; errors name the key."""

from __future__ import annotations

import pytest

from slomix.kernel import Config, ConfigError, Kernel


@pytest.mark.parametrize(("section", "message"), [
    ({"open_at": 2, "close_below": 3}, "close_below cannot be above open_at"),
    ({"team_channel_ids": [5]}, "team_channel_ids needs two different channels"),
    ({"team_channel_ids": [5, 5]}, "team_channel_ids needs two different channels"),
    ({"reminder_times": ["20:45", "9pm"]}, "times are HH:MM (00:00-23:59), not '9pm'"),
    ({"poll_time": "24:00"}, "times are HH:MM (00:00-23:59), not '24:00'"),
    ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
    ({"open_at": 0}, "open_at"),
    ({"gaming_channels": [1]}, "gaming_channels"),
])
def test_bad_settings_are_refused_with_their_key(tmp_path, section, message) -> None:
    config = Config({"slomix": {"data_dir": str(tmp_path)}, "plugins": {"voice": section}}, source="<test>")
    kernel = Kernel(config, only={"voice", "stats"})
    try:
        kernel.load()
    except ConfigError as error:
        assert message in str(error) and "voice" in str(error)
    else:
        info = kernel.plugin("voice")
        assert info is not None and info.status == "failed" and message in (info.reason or ""), info
