"""The Telegram edge: everything that imports `telegram` (python-telegram-bot) lives here."""

from .application import ALLOWED_UPDATES, build_application, serve

__all__ = ["ALLOWED_UPDATES", "build_application", "serve"]
