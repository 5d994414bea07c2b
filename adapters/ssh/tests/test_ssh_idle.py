"""Without game servers configured the SSH adapter idles and says what to configure."""

import logging

import pytest

from slomix.kernel import Config, ConfigError, Kernel

pytestmark = pytest.mark.anyio


async def test_idles_with_one_line_without_servers(make_kernel, caplog) -> None:
    kernel = await make_kernel(plugins={"ssh"})
    with caplog.at_level(logging.INFO, logger="slomix.ssh"):
        await kernel.serve()
    lines = [r.getMessage() for r in caplog.records if r.name == "slomix.ssh"]
    assert len(lines) == 1 and lines[0].startswith("ssh adapter idle: add [[adapters.ssh.servers]]")


def test_server_entries_are_validated() -> None:
    config = Config({"adapters": {"ssh": {"servers": [{"name": "eu", "host": "h", "user": "et"}]}}})
    with pytest.raises(ConfigError, match=r"adapters.ssh.servers\[0\]"):
        Kernel(config, only={"ssh"}).load()
