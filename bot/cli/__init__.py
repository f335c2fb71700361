"""The `bot` command: questions offline, a terminal chat, the Telegram bot, the editor's tools.

`parser` says what the sub-commands take, `reader` holds the reader's commands (ask, chat,
corpus) and `editor` the editor's (run, index, cluster, add, feeds, refresh, gaps).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from ..config import Settings, read_environment
from ..errors import BotError
from .parser import parser as _parser

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(read_environment())
        if getattr(args, "corpus", None):
            settings = _with_corpus(settings, args.corpus)
        return args.handler(args, settings)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _with_corpus(settings: Settings, corpus: str) -> Settings:
    return replace(settings, corpus_dir=Path(corpus))
