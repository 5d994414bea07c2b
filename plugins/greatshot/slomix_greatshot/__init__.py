"""Greatshot: demo uploads, analysis jobs, highlights, clips, top-down renders and topshots."""

from .plugin import GreatshotPlugin

__all__ = ["GreatshotPlugin"]
