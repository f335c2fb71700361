"""One shard: its articles' sentences, scored with the corpus's statistics, searched on request.

A shard is an index of some of the corpus's articles (all of an article's sentences are in one
shard, so paragraphs, articles and neighbours are whole). It scores exactly as the whole index
would (`stats.restate`) and names its sentences by their ids in the whole index, so that the
bot can merge the shards' offers (`Rows`) by score and id and get the whole index's order,
ties included.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..config import SearchParams
from ..search import semantic
from ..search.bm25 import Bm25, concatenated_ranges, top_k, top_k_within
from ..search.build import Built
from ..search.corpus import Article, Corpus
from ..search.index import SentenceIndex
from ..search.languages import ENGLISH
from ..search.query import Query
from ..search.ranking import MIN_NAMES_FOR_COORDINATION, Lexical
from ..search.semantic import Vectors, dot
from ..search.store import load_vectors
from . import layout, stats

# Questions whose lexical work a shard keeps for the second step of a routed search.
REMEMBERED_QUESTIONS = 64


@dataclass(frozen=True)
class Ask:
    """A question as the bot sends it to every shard, with what only the whole corpus knows."""

    query: Query
    depth: int  # rows wanted by BM25
    names: tuple[frozenset[int], ...]  # the things the question names (the corpus's names)
    meaning: str = "off"  # "off"; "all": compare with every sentence; "routed": see `Compare`
    token: int = 0  # names the question for a `Compare` that follows


@dataclass(frozen=True)
class Compare:
    """The second step of a routed search: compare the question with these articles' sentences."""

    ask: Ask
    articles: np.ndarray  # corpus positions of this shard's articles to compare with
    ids: np.ndarray  # corpus ids of this shard's sentences that need a similarity too


@dataclass
class Rows:
    """Sentences a shard offers, ascending by corpus id, with everything a merge ranks by."""

    ids: np.ndarray  # int64: ids in the whole index
    bm25: np.ndarray  # float64: BM25 with the paragraph and article fields; 0 if no candidate
    candidate: np.ndarray  # bool: holds a question term (its own BM25 above 0)
    coverage: np.ndarray  # float64: share of the question's weight it holds
    held: np.ndarray  # bool [rows, the query's distinct stems]: which of them it holds
    named: np.ndarray  # int32: things the question names found in it or its neighbours
    similarity: np.ndarray | None = None  # float32: cosine similarity with the question

    @classmethod
    def concat(cls, parts: list[Rows]) -> Rows:
        """The rows of several shards together (ids stay distinct: shards share no sentence)."""
        sims = [p.similarity for p in parts]
        joined = {
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in ("ids", "bm25", "candidate", "coverage", "held", "named")
        }
        similarity = None if any(s is None for s in sims) else np.concatenate(sims)
        return cls(**joined, similarity=similarity)

    def take(self, at: np.ndarray) -> Rows:
        """These rows only."""
        sims = None if self.similarity is None else self.similarity[at]
        return Rows(
            self.ids[at],
            self.bm25[at],
            self.candidate[at],
            self.coverage[at],
            self.held[at],
            self.named[at],
            sims,
        )


@dataclass
class Reply:
    """A shard's answer to `Ask`."""

    rows: Rows
    covered: bool  # some sentence here holds `min_coverage` of the question's weight
    articles: np.ndarray | None = None  # routed: its articles nearest the question (positions)
    article_similarity: np.ndarray | None = None  # and their mean vectors' similarity


class ShardIndex(SentenceIndex):
    """A `SentenceIndex` of part of the corpus that weighs question words as the whole does.

    Its models already score with the corpus's statistics; what is left is a question word's
    idf, which the whole corpus knows even when this shard never holds the word.
    """

    def __init__(
        self,
        corpus: Corpus,
        params: SearchParams,
        arrays: dict[str, np.ndarray],
        models: dict[str, Bm25 | None],
        stems: Bm25 | None = None,
        sentences_in: dict[str, int] | None = None,
        firsts: np.ndarray | None = None,
        positions: np.ndarray | None = None,
        vectors: Vectors | None = None,
    ) -> None:
        super().__init__(corpus, params, arrays, frozenset(), models)
        self._stems = stems  # every stem of the corpus with its idf (`stats.merge`)
        self._corpus_sentences = sentences_in or {}  # the corpus's sentences in each language
        self.firsts = firsts  # corpus id of each of its articles' first sentence
        self.positions = positions  # corpus position of each of its articles
        self.vectors = vectors
        self._remembered: OrderedDict[int, tuple[Lexical, np.ndarray]] = OrderedDict()

    def _idf(self, term: str | int, language: str = ENGLISH) -> float:
        """The corpus's idf of a question word (see `SentenceIndex._idf`)."""
        if self._stems is None:
            raise RuntimeError("the shard was opened without the corpus's statistics")
        idf = self._stems.idf_of(term)
        if idf is not None:
            return max(idf, 0.0)
        counts = self._corpus_sentences
        n = sum(counts.values()) if len(counts) == 1 else counts.get(language, 0)
        return math.log(n + 0.5) - math.log(0.5)

    def _knows(self, key: int) -> bool:
        """Whether the corpus holds a stem, though this shard may not."""
        return self._stems is not None and key in self._stems

    def _of_language(self, code: str) -> np.ndarray | None:
        """Which of the shard's articles are in this language (bool each); None when all are.

        A shard may hold one of the corpus's languages only, or none of the question's.
        """
        if len(self._corpus_sentences) <= 1:
            return None
        if code not in self.languages:
            return np.zeros(len(self.articles), dtype=bool)
        mine = self._language_of_article == self.languages.index(code)
        return None if mine.all() else mine

    def _lexical(self, query: Query) -> Lexical:
        """`SentenceIndex._lexical`, also when only other shards hold the question's stems.

        One index scores the answer kinds, exact words and pairs of a question whose stems it
        knows; a shard must too, though none of those stems is its own.
        """
        lexical = super()._lexical(query)
        if lexical.known or not any(key in self._stems for key in query.stem_keys):
            return lexical
        weights = self._query_weights(query)
        kinds = dict.fromkeys(query.kinds, self.params.kind_weight)
        own = self._bm25.scores({**weights, **kinds})
        candidates = np.flatnonzero(own > 0)
        return Lexical(lexical.stem_of, [], {}, weights, candidates, own[candidates], False)

    def serve(self, request: Ask | Compare) -> Reply | Rows:
        """Answer the first step of a search (`Ask`) or the second (`Compare`)."""
        if isinstance(request, Ask):
            return self.answer_ask(request)
        return self.answer_compare(request)

    def answer_ask(self, ask: Ask) -> Reply:
        """Score a question: the best rows by BM25, and by meaning as `ask.meaning` says."""
        lexical = self._lexical(ask.query)
        bm25 = self._fielded(lexical) if len(lexical.candidates) else np.zeros(0)
        best = lexical.candidates[top_k(bm25, ask.depth)]
        if ask.meaning == "off":
            return Reply(self._rows(ask, lexical, bm25, np.sort(best)), lexical.covered)
        if self.vectors is None:
            raise RuntimeError("the shard has no sentence vectors")
        question = ask.query.vector
        among = self._of_language(ask.query.language)  # as `SentenceIndex._fused` keeps to
        if ask.meaning == "all":  # the whole index is small: every sentence is compared
            compared, sims = self.vectors.compare(question)
            if compared is not None:  # a shard of a small index is small too
                raise RuntimeError("the shard's vectors are routed, the index's are not")
            closest = top_k_within(
                sims, None if among is None else self.vectors.within(among, None), ask.depth
            )
            ids = np.union1d(best, closest).astype(np.int64)
            return Reply(self._rows(ask, lexical, bm25, ids, sims[ids]), lexical.covered)
        self._remember(ask.token, lexical, bm25)
        near = dot(self.vectors.centroids, question)
        articles = top_k_within(near, among, semantic.ROUTED_ARTICLES)
        rows = self._rows(ask, lexical, bm25, np.sort(best))
        return Reply(rows, lexical.covered, self.positions[articles], near[articles])

    def answer_compare(self, request: Compare) -> Rows:
        """Compare the question with some articles' sentences: the best, and the ids asked for."""
        ask = request.ask
        lexical, bm25 = self._recall(ask)
        articles = np.searchsorted(self.positions, request.articles)
        first, ends = self.first_of_article, self._article_ends
        compared = concatenated_ranges(first[articles], ends[articles] - first[articles])
        sims = self.vectors.similarity(ask.query.vector, compared) if len(compared) else None
        if sims is None:
            sims = np.zeros(0, dtype=np.float32)
        among = self._of_language(ask.query.language)
        inside = None if among is None else self.vectors.within(among, compared)
        chosen = compared[top_k_within(sims, inside, ask.depth)]
        ids = np.union1d(chosen, self.local_ids(request.ids)).astype(np.int64)
        at = np.searchsorted(compared, ids)
        return self._rows(ask, lexical, bm25, ids, sims[at])

    def _rows(
        self,
        ask: Ask,
        lexical: Lexical,
        bm25: np.ndarray,
        ids: np.ndarray,
        similarity: np.ndarray | None = None,
    ) -> Rows:
        """What the merge needs of these sentences (local ids, ascending)."""
        at = np.searchsorted(lexical.candidates, ids)
        candidate = at < len(lexical.candidates)
        candidate[candidate] = lexical.candidates[at[candidate]] == ids[candidate]
        scores = np.zeros(len(ids))
        scores[candidate] = bm25[at[candidate]]
        # Summed stem after stem in the question's order, as `SentenceIndex` sums coverage.
        held = np.zeros((len(ids), len(lexical.stem_of)), dtype=bool)
        coverage = np.zeros(len(ids))
        for column, key in enumerate(lexical.stem_of):
            if key in lexical.share:
                held[:, column] = _holds(self._bm25.postings(key), ids)
                coverage += lexical.share[key] * held[:, column]
        sims = None if similarity is None else np.asarray(similarity, dtype=np.float32)
        return Rows(
            self.global_ids(ids), scores, candidate, coverage, held, self._named(ask, ids), sims
        )

    def _named(self, ask: Ask, ids: np.ndarray) -> np.ndarray:
        """How many named things each sentence or its paragraph neighbours hold.

        `SentenceIndex._named_nearby` for many sentences at once.
        """
        count = np.zeros(len(ids), dtype=np.int32)
        if len(ask.names) < MIN_NAMES_FOR_COORDINATION:
            return count
        paragraph = self._paragraph_id
        for group in ask.names:
            found = np.zeros(len(ids), dtype=bool)
            for key in group:
                postings = self._bm25.postings(key)
                for step in (0, -1, 1):
                    near = ids + step
                    inside = (near >= 0) & (near < len(self))
                    inside[inside] &= paragraph[near[inside]] == paragraph[ids[inside]]
                    found[inside] |= _holds(postings, near[inside])
            count += found
        return count

    def global_ids(self, ids: np.ndarray) -> np.ndarray:
        """The whole index's ids of sentences of this shard."""
        return stats.global_ids(self._article_of, self.first_of_article, self.firsts, ids)

    @cached_property
    def _article_ends(self) -> np.ndarray:
        """The id after each of its articles' last sentence."""
        return np.append(self.first_of_article[1:], len(self)).astype(np.int64)

    def local_ids(self, ids: np.ndarray) -> np.ndarray:
        """This shard's ids of sentences the whole index names `ids` (all of them here)."""
        articles = np.searchsorted(self.firsts, ids, side="right") - 1
        return self.first_of_article[articles] + (ids - self.firsts[articles])

    def _remember(self, token: int, lexical: Lexical, bm25: np.ndarray) -> None:
        self._remembered[token] = (lexical, bm25)
        while len(self._remembered) > REMEMBERED_QUESTIONS:
            self._remembered.popitem(last=False)

    def _recall(self, ask: Ask) -> tuple[Lexical, np.ndarray]:
        """The lexical work of the first step, or done again (a restarted shard forgot it)."""
        found = self._remembered.pop(ask.token, None)
        if found is not None:
            return found
        lexical = self._lexical(ask.query)
        return lexical, self._fielded(lexical) if len(lexical.candidates) else np.zeros(0)

    def arrays(self) -> dict[str, np.ndarray]:
        """The saved index's arrays, and what the corpus-wide merge needs (lengths, counts)."""
        arrays = super().arrays()
        for name, model in (
            ("sentences", self._bm25),
            ("paragraphs", self._paragraphs),
            ("articles", self._articles),
        ):
            if model is not None and model.lengths is not None:
                arrays[f"{name}.lengths"] = model.lengths
        return arrays


def _holds(postings: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which of `ids` are in the ascending `postings`."""
    if not len(postings):
        return np.zeros(len(ids), dtype=bool)
    where = np.clip(np.searchsorted(postings, ids), 0, len(postings) - 1)
    return postings[where] == ids


def built_shard(corpus: Corpus, params: SearchParams, built: Built) -> dict[str, np.ndarray]:
    """The arrays a built shard is saved with: the index's, lengths and name counts."""
    if built.name_counts is None:
        raise ValueError("the build kept no name counts")
    index = ShardIndex(corpus, params, built.arrays, built.models)
    arrays = index.arrays()
    for name in stats.COUNT_TABLES:
        arrays[f"counts.{name}"] = getattr(built.name_counts, name)
    return arrays


def open_shard(
    folder: Path,
    stats_folder: Path,
    key: str,
    params: SearchParams,
    model: str | None = None,
) -> ShardIndex:
    """A saved shard scoring with the corpus's statistics, its vectors too when `model` says."""
    meta, arrays = layout.load_arrays(folder)
    if meta.get("sentences") != len(arrays["start"]):
        raise ValueError(f"{folder} is incomplete")
    _, corpus_stats = layout.load_arrays(stats_folder)
    languages = tuple(corpus_stats["languages"].tolist())
    tables = stats.ShardTables(arrays, corpus_stats[f"positions.{key}"], key)
    models: dict[str, Bm25 | None] = {}
    for name in stats.MODELS:
        prefix = f"{name}."
        own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        if not own:
            models[name] = None
            continue
        models[name] = stats.restate(
            Bm25.from_arrays(own),
            stats.document_languages(tables, languages, name),
            corpus_stats[f"{name}.keys"],
            corpus_stats[f"{name}.idf"],
            corpus_stats[f"{name}.documents"],
            corpus_stats[f"{name}.length"],
            params,
        )
    # The shard answers by number: its articles need ids only (the bot holds their text).
    stubs = tuple(Article(id=f"{key}/{n}", title="", body="") for n in range(meta["articles"]))
    stems = stats.stem_model(corpus_stats, params)
    vectors = None
    if model is not None:
        vectors = load_vectors(folder, model, arrays["first_of_article"])
    sentences = corpus_stats["sentences.documents"].tolist()
    return ShardIndex(
        Corpus(stubs),
        params,
        arrays,
        models,
        stems,
        dict(zip(languages, sentences, strict=True)),
        corpus_stats[f"first.{key}"],
        tables.positions,
        vectors,
    )
