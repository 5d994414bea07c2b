"""Plugins that ship with the kernel's distribution (like pytest's built-in plugins).

They use the kernel exactly as a third-party plugin would, and can be switched off.
"""
