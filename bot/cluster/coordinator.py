"""The whole archive answered as one index: a question sent to every shard, the offers merged.

`ShardedIndex` is what the bot holds when its index is sharded. It knows the corpus, every
sentence's place (article, paragraph, offsets: memory-mapped, about 29 bytes a sentence), the
names and every stem's idf, but no postings and no vectors: those are on the shards. A search
sends the question once to all shards; each scores its own sentences exactly as one index
would and offers its best (`shard.Rows`); the merge then takes the best of all offers by score
and id, which is one index's order, ties included, and goes on as `SentenceIndex.search` does:
the same fusion, refusal, names-first order and hits. Passages, credits and neighbours are
worked out here from the sentences' places, as one index works them out, so `answer()` and
both edges take this index as they take the other. A sharded search with the semantic stage
over more than `semantic.EXACT_MAX` sentences takes a second step: the shards compare the
question with the sentences of the articles the whole corpus routes it to (`Compare`).

Equal answers need equal arithmetic: every score is computed on a shard by the code and with
the numbers one index uses (`stats`), similarities by `semantic.dot` (the same bits for a row
whatever else is compared), and ties are broken by the sentence's id in the whole index.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import SearchParams
from ..errors import ClusterError
from ..search import semantic
from ..search.answer import PARTIAL, Notice
from ..search.bm25 import Bm25, top_k
from ..search.corpus import Corpus
from ..search.embed import Encoder
from ..search.hits import Hit, Search
from ..search.index import SentenceIndex
from ..search.languages import ENGLISH
from ..search.query import Query
from ..search.ranking import COORDINATION_DEPTH, FUSION_DEPTH, MIN_NAMES_FOR_COORDINATION
from . import layout, stats
from .shard import Ask, Compare, Reply, Rows

log = logging.getLogger(__name__)

PLACES = (
    "article_of",
    "paragraph_of",
    "paragraph_id",
    "start",
    "end",
    "continues_quote",
    "first_of_article",
    "languages",
    "language_of_article",
)


class Fanout(Protocol):
    """The shards of one generation, by number (Ray actors, or shards in this process)."""

    count: int

    def call(self, requests: Sequence[object | None]) -> list:
        """Send `requests[i]` to shard i at once (None: not asked); replies in shard order.

        A shard that failed or did not reply in time gives None (and is logged).
        """
        ...

    def close(self, retire: bool) -> None:
        """Let go of the shards; with `retire`, stop them (a newer generation answers now)."""
        ...


class LocalShards:
    """Shards in this process: the merge without a cluster (tests, a look at one machine)."""

    def __init__(self, shards: Sequence[object]) -> None:
        self.shards = list(shards)
        self.count = len(self.shards)

    def call(self, requests: Sequence[object | None]) -> list:
        return [
            None if request is None else shard.serve(request)
            for shard, request in zip(self.shards, requests, strict=True)
        ]

    def close(self, retire: bool) -> None:
        pass


def partial_note(missing: int, count: int) -> Notice:
    """The line an answer carries when some shards did not reply (translated at the edges)."""
    return Notice(PARTIAL, {"missing": str(missing), "count": str(count)})


class ShardedIndex(SentenceIndex):
    """A `SentenceIndex` whose scoring happens on shards (see the module).

    Its own sentence model holds only every stem's idf: it says whether the corpus knows a word
    and how much of a question a sentence covers; `scores` is not available here.
    """

    remote = True  # a search waits for other processes: the edges answer in a worker thread

    def __init__(
        self,
        corpus: Corpus,
        params: SearchParams,
        places: dict[str, np.ndarray],
        names: frozenset[int],
        stems: Bm25,
        shards: Fanout,
        shard_of_article: np.ndarray,
        encoder: Encoder | None = None,
        generation: str = "",
        folder: Path | None = None,
        semantic_languages: frozenset[str] | None = frozenset({ENGLISH}),
    ) -> None:
        models = {"sentences": stems, "paragraphs": None, "articles": None}
        super().__init__(corpus, params, places, names, models)
        self.shards = shards
        self.encoder = encoder
        # Languages whose questions the semantic stage answers; None: every language.
        self.semantic_languages = semantic_languages
        self.generation = generation
        self.folder = folder
        self._shard_of = shard_of_article  # the shard of each article, by corpus position

    @classmethod
    def open(
        cls,
        corpus: Corpus,
        params: SearchParams,
        folder: Path,
        manifest: layout.Manifest,
        shards: Fanout,
        encoder: Encoder | None = None,
        semantic_languages: frozenset[str] | None = frozenset({ENGLISH}),
    ) -> ShardedIndex:
        """The index of a built generation (`manifest`) whose shards answer through `shards`.

        `semantic_languages`: the languages whose questions the semantic stage answers.
        """
        meta, arrays = layout.load_arrays(folder / manifest.stats_name)
        if meta.get("articles_total") != len(corpus.articles):
            raise ClusterError(
                f"the sharded index in {folder} was built from another corpus; rebuild it with "
                "`bot index build --shards N`"
            )
        shard_of = np.array(
            [layout.shard_of(a.id, len(manifest.shards)) for a in corpus.articles], dtype=np.int32
        )
        return cls(
            corpus,
            params,
            {name: arrays[name] for name in PLACES},
            frozenset(arrays["names"].tolist()),
            stats.stem_model(arrays, params),
            shards,
            shard_of,
            encoder,
            manifest.generation,
            folder,
            semantic_languages,
        )

    def _encoder(self) -> Encoder | None:
        """The semantic stage's model when the shards hold sentence vectors (see `query`)."""
        return self.encoder

    def scores(self, terms: list[str]) -> np.ndarray:
        raise ClusterError("a sharded index scores on its shards; ask it with search()")

    def close(self) -> None:
        """Let go of the shards; stop them too when a newer generation has replaced them.

        (A reload that changed the index; not `bot ask` ending while `bot run` answers.)
        """
        current = layout.Manifest.read(self.folder) if self.folder else None
        self.shards.close(retire=current is not None and current.generation != self.generation)

    def search(self, query: Query | str, k: int) -> Search:
        """Return up to `k` sentences that answer `query`, best first, as one index would.

        Raises ClusterError when no shard replies; when some do not, the search says so in
        `partial`.
        """
        if isinstance(query, str):
            query = self.query(query)
        if query.language not in self.languages:  # searched in each language the corpus has
            return self._elsewhere(query, k)
        names = tuple(self._question_names(query))
        meaning = "off"
        if self.encoder is not None and query.vector is not None:
            meaning = "all" if len(self) <= semantic.EXACT_MAX else "routed"
        ask = Ask(
            query, k if meaning == "off" else FUSION_DEPTH, names, meaning, secrets.randbits(62)
        )
        replies: list[Reply | None] = self.shards.call([ask] * self.shards.count)
        answered = [r for r in replies if r is not None]
        if not answered:
            raise ClusterError(
                f"none of the archive's {self.shards.count} shards replied; nothing could be "
                "searched (see `bot cluster`); try again in a minute"
            )
        missing = self.shards.count - len(answered)
        if meaning == "off":
            search = self._merged(query, answered, k)
        else:
            if meaning == "routed":
                rows, failed = self._compared(ask, replies)
                missing += failed
            else:
                rows = Rows.concat([r.rows for r in answered])
            search = self._fused_merged(query, rows, k)
        if missing:
            return replace(search, partial=partial_note(missing, self.shards.count))
        return search

    def _merged(self, query: Query, replies: list[Reply], k: int) -> Search:
        """The lexical search of `SentenceIndex.search` over the shards' best rows."""
        if not any(r.covered for r in replies):
            return Search(query.stems, (), self._unknown_names(query), query.asked_in)
        rows = Rows.concat([r.rows for r in replies])
        order = self._named_first(query, rows.named, np.lexsort((rows.ids, -rows.bm25))[:k])
        hits = [
            Hit(
                self.sentence(int(rows.ids[j])),
                float(rows.bm25[j]),
                self._matched(query, rows.held[j]),
                float(rows.coverage[j]),
                float(rows.bm25[j]),
            )
            for j in order
        ]
        return Search(query.stems, tuple(hits), language=query.asked_in)

    def _fused_merged(self, query: Query, offered: Rows, k: int) -> Search:
        """`SentenceIndex._fused` over the shards' best rows by BM25 and by meaning."""
        by_bm25 = offered.ids[_best_by_bm25(offered)]
        by_meaning = offered.ids[_best(offered.ids, offered.similarity)]
        chosen = np.union1d(by_bm25, by_meaning)  # ascending ids, as one index orders them
        by_id = np.argsort(offered.ids)
        rows = offered.take(by_id[np.searchsorted(offered.ids[by_id], chosen)])
        ids = rows.ids
        similarity = rows.similarity.astype(np.float64)
        coverage, scores = rows.coverage, rows.bm25
        fused, unknown = self._fused_scores(query, ids, similarity, coverage, scores)
        if fused is None:
            return Search(query.stems, (), unknown, query.asked_in)
        order = self._named_first(query, rows.named, top_k(fused, k))
        hits = [
            Hit(
                self.sentence(int(ids[j])),
                float(fused[j]),
                self._matched(query, rows.held[j]),
                float(coverage[j]),
                float(scores[j]),
                float(similarity[j]),
            )
            for j in order
        ]
        return Search(query.stems, tuple(hits), language=query.asked_in)

    def _compared(self, ask: Ask, replies: list[Reply | None]) -> tuple[Rows, int]:
        """The second step of a routed search: the sentences the whole index would compare.

        Those of the `ROUTED_ARTICLES` articles whose mean vectors are nearest the question
        (the best of each shard's best) and of the articles of the best sentences by BM25.
        Returns the shards' rows and how many shards failed this step.
        """
        offers = [r for r in replies if r is not None]
        rows = Rows.concat([r.rows for r in offers])
        by_bm25 = rows.ids[_best_by_bm25(rows)]
        positions = np.concatenate([r.articles for r in offers])
        similarity = np.concatenate([r.article_similarity for r in offers])
        near = positions[np.lexsort((positions, -similarity))[: semantic.ROUTED_ARTICLES]]
        near = np.union1d(near, self._article_of[by_bm25]).astype(np.int64)
        home = self._shard_of[self._article_of[by_bm25]]
        requests = [
            None
            if reply is None
            else Compare(ask, near[self._shard_of[near] == n], by_bm25[home == n])
            for n, reply in enumerate(replies)
        ]
        compared = self.shards.call(requests)
        found = [c for c in compared if c is not None]
        failed = sum(
            1 for r, c in zip(requests, compared, strict=True) if r is not None and c is None
        )
        if not found:
            raise ClusterError("no shard replied to the second step of a search; try again")
        return Rows.concat(found), failed

    def _named_first(self, query: Query, named: np.ndarray, order: np.ndarray) -> np.ndarray:
        """`SentenceIndex._names_first` with the shards' counts of named things."""
        if len(self._question_names(query)) >= MIN_NAMES_FOR_COORDINATION and len(order):
            top = order[:COORDINATION_DEPTH]
            order[: len(top)] = top[np.argsort(-named[top], kind="stable")]
        return order

    @staticmethod
    def _matched(query: Query, held: np.ndarray) -> frozenset[str]:
        """The question stems a row holds (`Rows.held`'s columns are the distinct stems)."""
        stems = dict(zip(query.stem_keys, query.stems, strict=True))
        return frozenset(stem for stem, has in zip(stems.values(), held, strict=True) if has)


def _best(ids: np.ndarray, scores: np.ndarray, depth: int = FUSION_DEPTH) -> np.ndarray:
    """Rows of the `depth` best scores, ties to the lower id (as `top_k` over every sentence)."""
    return np.lexsort((ids, -scores))[:depth]


def _best_by_bm25(rows: Rows) -> np.ndarray:
    """Rows of the best sentences by BM25 among those holding a question term."""
    candidates = np.flatnonzero(rows.candidate)
    return candidates[_best(rows.ids[candidates], rows.bm25[candidates])]
