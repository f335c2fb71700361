"""Briefing Bot: answers questions about a news briefing with quoted, cited passages."""

__version__ = "0.1.0"
