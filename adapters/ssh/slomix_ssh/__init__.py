"""The SSH adapter: polls game servers over SFTP and hands new files to on_file."""

from .adapter import GameServer, SshAdapter, SshSettings

__all__ = ["GameServer", "SshAdapter", "SshSettings"]
