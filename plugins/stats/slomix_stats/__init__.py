"""The stats plugin: game-server stats files in, rounds, players and sessions out.

Other plugins read rounds through :mod:`slomix_stats.api` only.
"""
