"""How a built index ranks its sentences for a question: BM25 fields, fusion, refusal.

`Ranking` is the answering half of `SentenceIndex` (`index.py` holds its sentences, articles
and credits); a shard and a sharded index override parts of it (`bot/cluster`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .bm25 import top_k, top_k_within
from .fusion import covered, evidence, fuse
from .hits import Hit, Search
from .keys import borrowed_key
from .languages import ENGLISH, analyser
from .query import Query

# When a question names this many things, the best few hits are reordered so that those naming
# more of them (in the sentence or next to it) come first: as many as an answer shows.
MIN_NAMES_FOR_COORDINATION = 2
COORDINATION_DEPTH = 3
# With the semantic stage, the best this many by BM25 and as many by similarity are fused.
FUSION_DEPTH = 100
# A question the evidence does not cover is still answered when one of this many candidates
# holding most of its words is credited to someone it names (see `_credits_named`).
CREDIT_DEPTH = 5


class Ranking:
    """Search: the sentences that answer a `Query`, or the evidence that none does."""

    def search(self, query: Query | str, k: int) -> Search:
        """Return up to `k` sentences that answer `query`, best first.

        Lexically, a hit must hold a question term, and the question is covered only if some
        sentence holds at least `min_coverage` of the question's weight (summed idf of its
        distinct stems; a stem the corpus lacks weighs as much as the rarest one). With the
        semantic stage, the best sentences by BM25 and by similarity are fused and the question
        is covered as `fusion.covered` decides. Either way, when the question names two or more
        things the corpus knows as names, the best `COORDINATION_DEPTH` hits are reordered so
        that those naming more of them (counting the sentences next to them) come first.
        """
        if isinstance(query, str):
            query = self.query(query)
        if query.language not in self.languages:
            return self._elsewhere(query, k)
        lexical = self._lexical(query)
        if self.semantic is not None and query.vector is not None:
            return self._fused(query, lexical, k)
        if not lexical.covered:
            return Search(query.stems, (), self._unknown_names(query), query.asked_in)
        scores = self._fielded(lexical)
        order = self._names_first(query, lexical.candidates, top_k(scores, k))
        hits = []
        for j in order:
            i = int(lexical.candidates[j])
            found, covered_share = self._held(lexical, i)
            hits.append(
                Hit(self.sentence(i), float(scores[j]), found, covered_share, float(scores[j]))
            )
        return Search(query.stems, tuple(hits), language=query.asked_in)

    def _elsewhere(self, query: Query, k: int) -> Search:
        """Hits for a question in a language the briefing has no article in, from the others.

        The question is analysed in each of the briefing's languages and searched among that
        language's articles; the hits are merged by the share of the question's weight they
        hold (comparable across languages, unlike BM25 scores), then by score.
        """
        searches, vector = [], query.vector
        for code in self.languages:  # the question's vector made once, if at all
            asked = self.query(query.question, code, query.asked_in, vector)
            vector = asked.vector if asked.vector is not None else vector
            searches.append(self.search(asked, k))
        hits = [hit for found in searches for hit in found.hits]
        if len(searches) > 1:
            hits.sort(key=lambda hit: (-hit.coverage, -hit.bm25))
        terms = tuple(dict.fromkeys(t for found in searches for t in found.terms))
        unknown = set.intersection(*(set(found.unknown_names) for found in searches))
        names = tuple(n for n in searches[0].unknown_names if n in unknown)
        partial = next((found.partial for found in searches if found.partial), None)
        return Search(terms, tuple(hits[:k]), names, query.asked_in, True, partial)

    def _lexical(self, query: Query) -> Lexical:
        """The sentences holding a question term, their own BM25 scores, and the floor check."""
        stem_of = dict(zip(query.stem_keys, query.stems, strict=True))
        known = [key for key in stem_of if key in self._bm25]
        if not known:
            nothing = np.zeros(0, dtype=np.int64)
            return Lexical(stem_of, known, {}, {}, nothing, np.zeros(0), covered=False)
        idf = {key: self._idf(key, query.language) for key in stem_of}
        # Terms a language's articles lack count against coverage, except where they are
        # mostly not missing words: character pairs across words, and the words of a question
        # asked in another language (of which only names and numbers can match).
        if not analyser(query.language).unknown_terms_count or query.asked_in != query.language:
            idf = {key: value for key, value in idf.items() if self._knows(key)}
        total = sum(idf.values()) or 1.0
        share = {key: idf[key] / total for key in known}
        weights = self._query_weights(query)
        kinds = dict.fromkeys(query.kinds, self.params.kind_weight)
        own = self._bm25.scores({**weights, **kinds})
        candidates = np.flatnonzero(own > 0)
        floor = self.params.min_coverage - 1e-9
        lexical = Lexical(stem_of, known, share, weights, candidates, own[candidates])
        # With no negative idf, every sentence holding a known stem is a candidate: when one
        # stem alone weighs enough, some candidate is covered and no sentence need be counted.
        if self._bm25.idf_floor < 0 or max(share.values()) < floor:
            coverage = np.zeros(len(self))
            for key in known:
                coverage[self._bm25.postings(key)] += share[key]
            lexical.covered = bool(len(candidates)) and coverage[candidates].max() >= floor
        return lexical

    def _fielded(self, lexical: Lexical) -> np.ndarray:
        """The candidates' BM25 scores plus their paragraph's and article's, weighted."""
        candidates, scores = lexical.candidates, lexical.own
        if self._paragraphs is not None:
            field = self._paragraphs.scores(lexical.weights)[self._paragraph_id[candidates]]
            scores = scores + self.params.paragraph_weight * field
        if self._articles is not None:
            field = self._articles.scores(lexical.weights)[self._article_of[candidates]]
            scores = scores + self.params.article_weight * field
        return scores

    def _fused(self, query: Query, lexical: Lexical, k: int) -> Search:
        """The best BM25 and the most similar sentences, fused (see `fusion`)."""
        assert self.semantic is not None and query.vector is not None
        vectors = self.semantic.vectors
        bm25 = self._fielded(lexical) if len(lexical.candidates) else np.zeros(0)
        by_bm25 = lexical.candidates[top_k(bm25, FUSION_DEPTH)]
        articles = np.unique(self._article_of[by_bm25]) if len(by_bm25) else None
        among = self._of_language(query.language)  # sentences of the question's language
        compared, similarities = vectors.compare(query.vector, articles, among)
        inside = None if among is None else vectors.within(among, compared)
        closest = top_k_within(similarities, inside, FUSION_DEPTH)
        by_meaning = closest if compared is None else compared[closest]
        ids = np.union1d(by_bm25, by_meaning).astype(np.int64)
        # Every candidate was compared: the lexical ones' articles are among those compared.
        where = ids if compared is None else np.searchsorted(compared, ids)
        similarity = similarities[where].astype(np.float64)
        at = np.searchsorted(lexical.candidates, ids)
        held = at < len(lexical.candidates)
        held[held] = lexical.candidates[at[held]] == ids[held]
        scores = np.zeros(len(ids))
        scores[held] = bm25[at[held]]
        coverage = np.zeros(len(ids))
        for key in lexical.known:
            postings = self._bm25.postings(key)
            where = np.clip(np.searchsorted(postings, ids), 0, max(len(postings) - 1, 0))
            coverage += lexical.share[key] * (postings[where] == ids) if len(postings) else 0
        fused, unknown = self._fused_scores(query, ids, similarity, coverage, scores)
        if fused is None:
            return Search(query.stems, (), unknown, query.asked_in)
        order = self._names_first(query, ids, top_k(fused, k))
        hits = []
        for j in order:
            i = int(ids[j])
            found, _ = self._held(lexical, i)
            hits.append(
                Hit(
                    self.sentence(i),
                    float(fused[j]),
                    found,
                    float(coverage[j]),
                    float(scores[j]),
                    float(similarity[j]),
                )
            )
        return Search(query.stems, tuple(hits), language=query.asked_in)

    def _fused_scores(
        self,
        query: Query,
        ids: np.ndarray,
        similarity: np.ndarray,
        coverage: np.ndarray,
        scores: np.ndarray,
    ) -> tuple[np.ndarray | None, tuple[str, ...]]:
        """The candidates' fused scores, or None and the names it never mentions if not covered.

        Also what a sharded index decides with, from its shards' candidates (`bot/cluster`).
        """
        unknown = self._unknown_names(query)
        strength = evidence(similarity, coverage, self.params)
        answerable = covered(strength, bool(unknown), self.params)
        if not answerable and not unknown:
            answerable = self._credits_named(query, ids[top_k(coverage, CREDIT_DEPTH)])
        if not answerable:
            return None, unknown
        return fuse(similarity, coverage, scores, self.params), ()

    def _credits_named(self, query: Query, ids: np.ndarray) -> bool:
        """Whether one of these sentences is credited to someone the question names.

        "What did the Red Cross say?" is answered by a sentence the article credits to the
        International Red Cross, however little its words resemble the question's.
        """
        names = self._question_names(query)
        for i in ids.tolist():
            source = self.sentence(int(i)).source
            if source and names:
                keys = set(analyser(query.language).analyse(source).stem_keys)
                if any(name <= keys for name in names):
                    return True
        return False

    def _names_first(self, query: Query, ids: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Reorder the best hits so that those naming more of the question's names lead."""
        names = self._question_names(query)
        if len(names) >= MIN_NAMES_FOR_COORDINATION and len(order):
            top = order[:COORDINATION_DEPTH]
            named = np.array([self._named_nearby(names, int(ids[j])) for j in top])
            order[: len(top)] = top[np.argsort(-named, kind="stable")]
        return order

    def _held(self, lexical: Lexical, i: int) -> tuple[frozenset[str], float]:
        """The question stems sentence `i` holds, and their share of the question's weight."""
        held = [key for key in lexical.known if self._bm25.holds(key, i)]
        covered_share = sum(lexical.share[key] for key in held)  # summed in `coverage`'s order
        return frozenset(lexical.stem_of[key] for key in held), float(covered_share)

    def _query_weights(self, query: Query) -> dict[int, float]:
        """Weight of each of the question's term keys, borrowed twins of its stems included."""
        weights: Counter[int] = Counter()
        for key in query.stem_keys:
            weights[key] += 1.0
            weights[borrowed_key(key)] += self.params.antecedent_weight
        for key in query.exact_keys:
            weights[key] += self.params.exact_weight
        for key in query.pair_keys:
            weights[key] += self.params.pair_weight
        return {key: w for key, w in weights.items() if w}

    def _question_names(self, query: Query) -> list[frozenset[int]]:
        """The distinct things a question names: its runs of capitalised words the corpus knows."""
        groups = []
        for run in query.name_runs:
            keys = run & self.names
            if keys and keys not in groups:
                groups.append(keys)
        return groups

    def _named_nearby(self, names: list[frozenset[int]], i: int) -> int:
        """How many of the named things sentence `i` or its paragraph neighbours hold."""
        near = [i] + [
            j
            for j in (i - 1, i + 1)
            if 0 <= j < len(self) and self._paragraph_id[j] == self._paragraph_id[i]
        ]
        return sum(any(self._bm25.holds(key, j) for key in group for j in near) for group in names)

    def _knows(self, key: int) -> bool:
        """Whether the corpus holds a stem (a shard's corpus is more than the shard)."""
        return key in self._bm25

    def _idf(self, term: str | int, language: str = ENGLISH) -> float:
        idf = self._bm25.idf_of(term)
        if idf is not None:
            return max(idf, 0.0)
        # rank_bm25's idf for a term in no sentence: log((N - 0 + 0.5) / (0 + 0.5)), N being
        # the sentences of the question's language.
        n = len(self) if len(self.languages) == 1 else self._sentences_in.get(language, 0)
        return math.log(n + 0.5) - math.log(0.5)

    def _unknown_names(self, query: Query) -> tuple[str, ...]:
        """Capitalised words of the question (not its first) whose terms the corpus lacks."""
        unknown = [
            word
            for word, terms in query.capitalised
            if terms and not any(t in self._bm25 for t in terms)
        ]
        return tuple(dict.fromkeys(unknown))


@dataclass
class Lexical:
    """A question's lexical evidence: its known stems' shares, term weights, candidates."""

    stem_of: dict[int, str]
    known: list[int]
    share: dict[int, float]
    weights: dict[int, float]
    candidates: np.ndarray  # ascending ids of the sentences holding a question term
    own: np.ndarray  # their own BM25 scores (no fields)
    covered: bool = True  # some sentence holds `min_coverage` of the question's weight
