"""Settings read from the environment (and `.env`), validated in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

DEFAULT_CORPUS_DIR = "corpus"
MAX_TOP_K = 10


@dataclass(frozen=True)
class SearchParams:
    """BM25 knobs (names and defaults as in rank_bm25) and the relevance floor."""

    k1: float = 0.5
    b: float = 0.4
    epsilon: float = 0.25
    # Share of the question's weight (summed idf of its distinct words) that the best sentence
    # must match before we call the briefing relevant; see README "Relevance floor".
    min_coverage: float = 0.25
    # Tuned on the first 24 SQuAD dev articles (bench/quality.py); see README "Answer quality".
    # Weight of a question word's exact form and of a pair of neighbouring question words,
    # against 1 for a shared stem; of stems borrowed from the sentence a pronoun leans on.
    exact_weight: float = 0.3
    pair_weight: float = 0.2
    antecedent_weight: float = 0.3
    # Weight of the kind of answer a question asks for ("when" -> a year or month).
    kind_weight: float = 2.0
    # Share of the BM25 score of the sentence's paragraph and of its article that it adds.
    paragraph_weight: float = 1.0
    article_weight: float = 0.3

    def __post_init__(self) -> None:
        if self.k1 < 0:
            raise ConfigError(f"BM25_K1 must be 0 or more, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ConfigError(f"BM25_B must be between 0 and 1, got {self.b}")
        if self.epsilon < 0:
            raise ConfigError(f"BM25_EPSILON must be 0 or more, got {self.epsilon}")
        if not 0 <= self.min_coverage <= 1:
            raise ConfigError(f"MIN_COVERAGE must be between 0 and 1, got {self.min_coverage}")


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be configured with; see `.env.example`."""

    corpus_dir: Path = Path(DEFAULT_CORPUS_DIR)
    top_k: int = 3
    search: SearchParams = field(default_factory=SearchParams)
    telegram_bot_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from a mapping of environment variables (default: `os.environ`)."""
        env = os.environ if environ is None else environ
        search = SearchParams(
            k1=_number(env, "BM25_K1", SearchParams.k1),
            b=_number(env, "BM25_B", SearchParams.b),
            epsilon=_number(env, "BM25_EPSILON", SearchParams.epsilon),
            min_coverage=_number(env, "MIN_COVERAGE", SearchParams.min_coverage),
        )
        top_k = int(_number(env, "TOP_K", cls.top_k, integer=True))
        if not 1 <= top_k <= MAX_TOP_K:
            raise ConfigError(f"TOP_K must be between 1 and {MAX_TOP_K}, got {top_k}")
        return cls(
            corpus_dir=Path(env.get("CORPUS_DIR", "").strip() or DEFAULT_CORPUS_DIR),
            top_k=top_k,
            search=search,
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        )


def read_environment(dotenv_path: str | Path = ".env") -> dict[str, str]:
    """Merge `.env` (if present) under the real environment, which wins."""
    from dotenv import dotenv_values

    merged = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    merged.update(os.environ)
    return merged


def _number(env: Mapping[str, str], name: str, default: float, integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from None
