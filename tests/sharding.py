"""Helpers for the sharded-index tests: the SQuAD dev corpus, shards built in this process."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.cluster.build import InProcess, build_shards
from bot.cluster.coordinator import LocalShards, ShardedIndex
from bot.cluster.shard import open_shard
from bot.config import SearchParams
from bot.render import answer_json
from bot.search.answer import answer
from bot.search.corpus import Corpus, article_from_text
from tests.conftest import REPO

SQUAD = REPO.parent / "shared" / "data" / "squad_v1.1_dev.json.gz"
needs_squad = pytest.mark.skipif(not SQUAD.is_file(), reason=f"no SQuAD dev set at {SQUAD}")


def squad(paragraphs: int | None = None) -> tuple[Corpus, list[str]]:
    """SQuAD dev paragraphs as articles ("Title/n"), and the first question of each."""
    with gzip.open(SQUAD, "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"]
    articles, questions = [], []
    for item in data:
        for n, paragraph in enumerate(item["paragraphs"]):
            title = item["title"].replace("_", " ")
            articles.append(article_from_text(f"{item['title']}/{n}", paragraph["context"], title))
            questions.append(paragraph["qas"][0]["question"])
    return Corpus(tuple(articles[:paragraphs])), questions[:paragraphs]


def sharded_here(
    corpus: Corpus,
    folder: Path,
    count: int,
    params: SearchParams | None = None,
    encoder=None,
    reuse: tuple[Path, ...] = (),
    say=lambda line: None,
) -> ShardedIndex:
    """A sharded index whose shards are built and answer in this process (no Ray)."""
    params = params or SearchParams()
    model = (lambda n: encoder) if encoder is not None else None
    manifest = build_shards(corpus, params, folder, count, InProcess(), model, reuse, say)
    shards = [
        open_shard(
            folder / e.folder_name, folder / manifest.stats_name, e.key, params, manifest.model
        )
        for e in manifest.shards
    ]
    return ShardedIndex.open(corpus, params, folder, manifest, LocalShards(shards), encoder)


def answers(index, questions: list[str], k: int = 3) -> list[str]:
    """Each question's `bot ask --json` line."""
    return [json.dumps(answer_json(answer(q, index, k)), ensure_ascii=False) for q in questions]


def hits(index, question: str, k: int = 17) -> list[tuple]:
    """Everything a search found, unrounded: id, scores, coverage, similarity, matched stems."""
    search = index.search(index.query(question), k)
    return [
        (h.sentence.id, h.score, h.bm25, h.coverage, h.semantic, h.matched) for h in search.hits
    ] + [search.unknown_names]
