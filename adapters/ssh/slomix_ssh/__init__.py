"""The SSH adapter: polls game servers over SFTP, receives signed round-end webhooks,
and hands new files to on_file."""

from .adapter import SshAdapter
from .settings import GameServer, SshSettings

__all__ = ["GameServer", "SshAdapter", "SshSettings"]
