"""The sentence index: answering a question from a built index of every sentence, with BM25."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from functools import cached_property, lru_cache, partial

import numpy as np

from ..config import SearchParams
from . import build
from .bm25 import Bm25
from .corpus import Article, Corpus
from .credits import attribute, attribute_other
from .embed import Encoder
from .hits import Sentence
from .languages import ENGLISH, analyser
from .languages.detect import question_language
from .query import Query
from .ranking import Ranking
from .semantic import Semantic

# Articles whose credits are kept once worked out (see `_credit_article`).
CREDITED_ARTICLES_KEPT = 1024


class SentenceIndex(Ranking):
    """Sentences of a corpus with their citations, indexed for BM25 search.

    Each sentence is a BM25 document of its terms from `text.analyse` (stems, exact words, word
    pairs), the kinds of answer it holds (`#when`, `#number`), and the stems of the sentence its
    opening pronoun leans on, marked apart (`text.borrowed_key`). A sentence's score is its own
    BM25Okapi score plus a weighted share of the BM25Okapi scores of its paragraph and of its
    article for the same question terms; every one of these is rank-bm25's formula (see
    `bm25.Bm25`).
    """

    def __init__(
        self,
        corpus: Corpus,
        params: SearchParams,
        arrays: dict[str, np.ndarray],
        names: frozenset[int],
        models: dict[str, Bm25 | None],
        semantic: Semantic | None = None,
    ) -> None:
        self.corpus = corpus
        self.semantic = semantic
        self.params = params
        self._article_of = arrays["article_of"]
        self._paragraph_of = arrays["paragraph_of"]  # 1-based within the article
        self._paragraph_id = arrays["paragraph_id"]  # 0-based over the corpus
        self._start = arrays["start"]
        self._end = arrays["end"]
        self._continues_quote = arrays["continues_quote"]
        self._first_of_article = arrays["first_of_article"]
        # Languages of the articles, in order of first appearance, and each article's (a number).
        self.languages = tuple(str(code) for code in arrays.get("languages", [ENGLISH]))
        self._language_of_article = arrays.get(
            "language_of_article", np.zeros(len(corpus.articles), dtype=np.int16)
        )
        # Languages whose questions the semantic stage answers; None: every language.
        self.semantic_languages: frozenset[str] | None = frozenset({ENGLISH})
        self.names = names
        # Whom each sentence is credited to is worked out per article when first cited.
        self._credits = lru_cache(maxsize=CREDITED_ARTICLES_KEPT)(self._credit_article)
        self._bm25 = models["sentences"]
        self._paragraphs = models["paragraphs"]
        self._articles = models["articles"]
        self._positions = {article.id: a for a, article in enumerate(corpus.articles)}

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the index holds besides the corpus, as named arrays (see `store`)."""
        arrays = {
            "article_of": self._article_of,
            "paragraph_of": self._paragraph_of,
            "paragraph_id": self._paragraph_id,
            "start": self._start,
            "end": self._end,
            "continues_quote": self._continues_quote,
            "first_of_article": self._first_of_article,
            "names": np.array(sorted(self.names), dtype=np.int64),
            "language_of_article": self._language_of_article,
            "languages": np.array(self.languages),
        }
        models = {
            "sentences": self._bm25,
            "paragraphs": self._paragraphs,
            "articles": self._articles,
        }
        for name, model in models.items():
            if model is not None:
                arrays.update({f"{name}.{k}": v for k, v in model.arrays().items()})
        return arrays

    @classmethod
    def from_arrays(
        cls, corpus: Corpus, params: SearchParams, arrays: dict[str, np.ndarray]
    ) -> SentenceIndex:
        """Rebuild an index from `arrays()` and the corpus it was built from."""
        models: dict[str, Bm25 | None] = {}
        for name in ("sentences", "paragraphs", "articles"):
            prefix = f"{name}."
            own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            models[name] = Bm25.from_arrays(own) if own else None
        if models["sentences"] is None:
            raise ValueError("no sentence model in the saved index")
        names = frozenset(int(k) for k in arrays["names"])
        return cls(corpus, params, arrays, names, models)

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        params: SearchParams | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> SentenceIndex:
        """Split, credit and index every sentence of `corpus` (see `build.build`)."""
        params = params or SearchParams()
        built = build.build(corpus, params, progress)
        return cls(corpus, params, built.arrays, built.names, built.models)

    # Whether a search waits on other processes (a sharded index): edges then answer in a thread.
    remote = False

    def __len__(self) -> int:
        return len(self._start)

    def close(self) -> None:
        """Let go of what the index holds besides memory (here nothing; elsewhere shards)."""

    @property
    def articles(self) -> tuple[Article, ...]:
        """The indexed articles, in corpus order."""
        return self.corpus.articles

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, or None."""
        a = self._positions.get(article_id)
        return None if a is None else self.corpus.articles[a]

    def sentence(self, i: int, article: Article | None = None) -> Sentence:
        """Return sentence `i` of the whole index."""
        a = int(self._article_of[i])
        return Sentence(
            id=i,
            article=article or self.corpus.articles[a],
            paragraph=int(self._paragraph_of[i]),
            number=i - int(self._first_of_article[a]) + 1,
            start=int(self._start[i]),
            end=int(self._end[i]),
            continues_quote=bool(self._continues_quote[i]),
            credits=partial(self._credits, a),
            language=self.languages[int(self._language_of_article[a])],
        )

    def language_of(self, article: Article) -> str:
        """The language of an indexed article (its header's, else detected)."""
        return self.languages[int(self._language_of_article[self._positions[article.id]])]

    @cached_property
    def _sentences_in(self) -> dict[str, int]:
        """How many sentences each language has."""
        counts = np.bincount(
            self._language_of_article[self._article_of], minlength=len(self.languages)
        )
        return {code: int(counts[n]) for n, code in enumerate(self.languages)}

    def _of_language(self, code: str) -> np.ndarray | None:
        """Which articles are in this language (bool per article); None when all are."""
        if len(self.languages) == 1:
            return None
        return self._language_of_article == self.languages.index(code)

    def _credit_article(self, a: int) -> list[str | None]:
        """Whom the article credits for each of its sentences (see `credits.attribute`)."""
        first = int(self._first_of_article[a])
        last = int(self._first_of_article[a + 1]) if a + 1 < len(self.articles) else len(self)
        spans = [
            (int(p), int(s), int(e))
            for p, s, e in zip(
                self._paragraph_of[first:last],
                self._start[first:last],
                self._end[first:last],
                strict=True,
            )
        ]
        body = self.corpus.articles[a].body
        language = self.languages[int(self._language_of_article[a])]
        if language != ENGLISH:  # each language's own forms ("laut X", "по словам X")
            return attribute_other(body, spans, language)
        return [c.source for c in attribute(body, spans)]

    def titles_and_texts(self, ids: np.ndarray) -> tuple[list[str], list[str]]:
        """The article title and the text of sentences `ids` (what their vectors are made of)."""
        articles = self.corpus.articles
        owners = self._article_of[ids].tolist()
        titles = [articles[a].title for a in owners]
        texts = [
            articles[a].body[start:end]
            for a, start, end in zip(
                owners, self._start[ids].tolist(), self._end[ids].tolist(), strict=True
            )
        ]
        return titles, texts

    @property
    def first_of_article(self) -> np.ndarray:
        """Id of each article's first sentence."""
        return self._first_of_article

    def sentences_of(self, article: Article) -> list[Sentence]:
        """Every sentence of one article, in order."""
        a = self._positions[article.id]
        first = int(self._first_of_article[a])
        last = int(self._first_of_article[a + 1]) if a + 1 < len(self.articles) else len(self)
        return [self.sentence(i, article) for i in range(first, last)]

    def neighbour(self, sentence: Sentence, step: int) -> Sentence | None:
        """The sentence `step` places away in the same paragraph, or None."""
        i = sentence.id + step
        if not 0 <= i < len(self) or self._paragraph_id[i] != self._paragraph_id[sentence.id]:
            return None
        return self.sentence(i, sentence.article)

    def is_name(self, text: str, language: str = ENGLISH) -> bool:
        """Whether every content word of `text` is one the corpus writes as a name."""
        keys = analyser(language).analyse(text).stem_keys
        return bool(keys) and set(keys) <= self.names

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every sentence document for these terms, as rank_bm25's get_scores."""
        return self._bm25.scores(terms)

    def with_semantic(
        self, semantic: Semantic | None, languages: frozenset[str] | None = frozenset({ENGLISH})
    ) -> SentenceIndex:
        """The same index with sentence vectors and the model to compare questions with them.

        Args:
            semantic: the model and the vectors, or None.
            languages: the languages whose questions it answers (its model's); None: all.
        """
        clone = copy.copy(self)
        clone.semantic = semantic
        clone.semantic_languages = languages
        return clone

    def query(
        self,
        question: str,
        language: str | None = None,
        asked_in: str | None = None,
        vector: np.ndarray | None = None,
    ) -> Query:
        """Analyse a question once, in its language, its vector included when semantic.

        The language is detected (`languages.detect.question_language`) unless given. A
        question with no letters is read in the briefing's first language. `asked_in`: the
        language it is written in, when it is read in another (`_elsewhere`). `vector`: the
        question's, when already made (the model is not run again).
        """
        language = language or question_language(question, self.languages) or self.languages[0]
        encoder = self._encoder()
        if self.semantic_languages is not None and language not in self.semantic_languages:
            encoder = None
        if encoder is not None and vector is not None:
            parsed = Query.parse(question, None, language=language, asked_in=asked_in)
            return dataclasses.replace(parsed, vector=vector if question.strip() else None)
        encode = encoder.encode if encoder is not None else None
        return Query.parse(question, encode, language=language, asked_in=asked_in)

    def _encoder(self) -> Encoder | None:
        """The semantic stage's model, if there is one."""
        return self.semantic.encoder if self.semantic is not None else None
