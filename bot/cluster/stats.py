"""Corpus-wide statistics: what makes a shard score its sentences as the whole index would.

rank-bm25's score of a sentence depends on the whole corpus through three numbers per model
(sentences, paragraphs, articles): the number of documents, their average length and each
term's document frequency, and through the epsilon floor, which averages the idf of the whole
vocabulary. One index keeps these per language (`Bm25.from_terms` with groups): a language's
documents have their own count, average length and floor, and its terms (tagged with the
language) are its own. They are merged here from every shard's postings and lengths, once,
per language, and the idf is computed over the merged vocabulary exactly as
`bm25.grouped_idf` computes it for one index (the same arrays, so the same bits); each shard
then takes its terms' idf from it and its documents' norms from their language's corpus-wide
average length (`restate`), whichever languages the shard holds.

The same merge gives what the bot needs to answer for the whole archive without the postings:
the names (capitals counted over every shard, `build.NameCounts`), the idf of every stem (how
much of a question a sentence covers, and whether the corpus knows a word at all), and the
sentences' places in corpus order (article, paragraph, offsets) from which it quotes, grows
passages and credits sources exactly as one index does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import SearchParams
from ..search.bm25 import Bm25, Bm25Params, grouped_idf, grouped_norm
from ..search.build import NameCounts
from ..search.languages.articles import numbered

MODELS = ("sentences", "paragraphs", "articles")
COUNT_TABLES = ("stems", "uses", "capitalised", "capitalised_uses", "initial", "initial_uses")
PLACES = ("paragraph_of", "start", "end", "continues_quote")


@dataclass(frozen=True)
class ShardTables:
    """What the merge reads from one built shard (arrays of its saved folder)."""

    arrays: dict[str, np.ndarray]
    positions: np.ndarray  # the corpus positions of its articles, ascending
    key: str


def bm25_params(params: SearchParams) -> Bm25Params:
    return Bm25Params(params.k1, params.b, params.epsilon)


def merge(shards: Sequence[ShardTables], n_articles: int, params: SearchParams) -> tuple:
    """The statistics of the whole corpus from its shards: (arrays, meta) to save.

    Args:
        shards: every shard's tables; together they hold every article once.
        n_articles: articles in the corpus.
        params: the search settings (k1, b, epsilon).
    """
    languages, language_of = corpus_languages(shards, n_articles)
    arrays: dict[str, np.ndarray] = {
        "languages": np.array(languages),
        "language_of_article": language_of,
    }
    meta: dict = {"articles_total": n_articles}
    for model in MODELS:
        if not all(f"{model}.keys" in s.arrays for s in shards):
            continue
        groups = [document_languages(s, languages, model) for s in shards]
        lengths = [s.arrays[f"{model}.lengths"] for s in shards]
        documents = np.bincount(np.concatenate(groups), minlength=len(languages))
        length = np.zeros(len(languages), dtype=np.int64)
        for group, length_of in zip(groups, lengths, strict=True):
            np.add.at(length, group, length_of.astype(np.int64))
        keys, idf = corpus_idf(
            [s.arrays[f"{model}.keys"] for s in shards],
            [np.diff(s.arrays[f"{model}.offsets"]) for s in shards],
            [_term_languages(s, g, model) for s, g in zip(shards, groups, strict=True)],
            documents,
            params,
        )
        arrays[f"{model}.keys"], arrays[f"{model}.idf"] = keys, idf
        arrays[f"{model}.documents"], arrays[f"{model}.length"] = documents, length
    counts = merged_counts([counts_of(s.arrays) for s in shards])
    stems = arrays["sentences.keys"], arrays["sentences.idf"]
    at = np.searchsorted(stems[0], counts.stems)
    arrays["stems.keys"], arrays["stems.idf"] = counts.stems, stems[1][at]
    arrays["names"] = np.array(sorted(counts.names()), dtype=np.int64)
    arrays.update(_places(shards, n_articles))
    meta["sentences_total"] = len(arrays["start"])
    return arrays, meta


def corpus_languages(
    shards: Sequence[ShardTables], n_articles: int
) -> tuple[tuple[str, ...], np.ndarray]:
    """The corpus's languages and each article's, numbered as one index numbers them."""
    codes = [""] * n_articles
    for shard in shards:
        local = shard.arrays["languages"].tolist()
        for position, n in zip(
            shard.positions.tolist(), shard.arrays["language_of_article"].tolist(), strict=True
        ):
            codes[position] = local[n]
    return numbered(codes)


def document_languages(shard: ShardTables, languages: tuple[str, ...], model: str) -> np.ndarray:
    """The corpus-wide language number of each document of one of a shard's models."""
    arrays = shard.arrays
    own = np.array([languages.index(c) for c in arrays["languages"].tolist()], dtype=np.int16)
    of_article = own[arrays["language_of_article"]] if len(own) else own
    if model == "articles":
        return of_article
    of_sentence = of_article[arrays["article_of"]]
    if model == "sentences":
        return of_sentence
    of_paragraph = np.zeros(len(arrays[f"{model}.lengths"]), dtype=np.int16)
    of_paragraph[arrays["paragraph_id"]] = of_sentence
    return of_paragraph


def _term_languages(shard: ShardTables, groups: np.ndarray, model: str) -> np.ndarray:
    """The language of each term of a shard's model: that of its first document's.

    Terms are tagged with their language, so a term has one in every shard.
    """
    offsets = shard.arrays[f"{model}.offsets"]
    return groups[shard.arrays[f"{model}.docs"][offsets[:-1]]]


def corpus_idf(
    keys: Sequence[np.ndarray],
    df: Sequence[np.ndarray],
    languages: Sequence[np.ndarray],
    documents: np.ndarray,
    params: SearchParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Every term of the corpus (ascending) and its idf, from each part's terms and frequencies.

    The document frequencies are summed per term, then `grouped_idf` runs over the whole
    vocabulary at once, each language's terms with its number of documents (`documents`): the
    arrays one index makes, so the same bits, epsilon floors included.
    """
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    terms, first, inverse = np.unique(np.concatenate(keys), return_index=True, return_inverse=True)
    if not len(terms):
        return terms, np.zeros(0)
    # As `_summed` sums them.
    frequencies = np.zeros(len(terms), dtype=np.int64)
    np.add.at(frequencies, inverse.reshape(-1), np.concatenate(df).astype(np.int64))
    term_languages = np.concatenate(languages)[first]
    return terms, grouped_idf(frequencies, term_languages, documents, bm25_params(params))


def counts_of(arrays: dict[str, np.ndarray]) -> NameCounts:
    """A shard's name count tables, as saved with it."""
    return NameCounts(*(arrays[f"counts.{name}"] for name in COUNT_TABLES))


def merged_counts(parts: Sequence[NameCounts]) -> NameCounts:
    """The name count tables of a corpus from those of its parts (counts per key summed)."""
    tables = []
    for keys_name, counts_name in zip(COUNT_TABLES[::2], COUNT_TABLES[1::2], strict=True):
        tables += _summed(
            [getattr(p, keys_name) for p in parts], [getattr(p, counts_name) for p in parts]
        )
    return NameCounts(*tables)


def _summed(keys: list[np.ndarray], counts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (ascending) and their counts summed over several tables."""
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    joined, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    total = np.zeros(len(joined), dtype=np.int64)
    np.add.at(total, inverse.reshape(-1), np.concatenate(counts).astype(np.int64))
    return joined, total


def _places(shards: Sequence[ShardTables], n_articles: int) -> dict[str, np.ndarray]:
    """Every sentence's article, paragraph, offsets in corpus order, as one index holds them.

    Also, per shard, the corpus id of each of its articles' first sentence (`first.<key>`),
    with which a shard names its sentences as the whole index does.
    """
    per_article = np.zeros(n_articles, dtype=np.int64)
    for shard in shards:
        first = shard.arrays["first_of_article"]
        per_article[shard.positions] = np.diff(np.append(first, len(shard.arrays["start"])))
    first_global = np.concatenate(([0], np.cumsum(per_article)[:-1])).astype(np.int64)
    n = int(per_article.sum())
    out = {
        "paragraph_of": np.zeros(n, dtype=np.int32),
        "start": np.zeros(n, dtype=np.int64),
        "end": np.zeros(n, dtype=np.int64),
        "continues_quote": np.zeros(n, dtype=np.uint8),
    }
    for shard in shards:
        local = shard.arrays
        firsts = first_global[shard.positions]
        out[f"first.{shard.key}"] = firsts
        out[f"positions.{shard.key}"] = shard.positions.astype(np.int64)
        ids = global_ids(local["article_of"], local["first_of_article"], firsts)
        for name in PLACES:
            out[name][ids] = local[name]
    article_of = np.repeat(np.arange(n_articles, dtype=np.int32), per_article)
    new_paragraph = np.ones(n, dtype=bool)
    if n:  # as `build._assemble` numbers paragraphs
        new_paragraph[1:] = (article_of[1:] != article_of[:-1]) | (
            out["paragraph_of"][1:] != out["paragraph_of"][:-1]
        )
    out["article_of"] = article_of
    out["paragraph_id"] = (np.cumsum(new_paragraph) - 1).astype(np.int32)
    out["first_of_article"] = first_global
    return out


def global_ids(
    article_of: np.ndarray,
    first_of_article: np.ndarray,
    firsts: np.ndarray,
    ids: np.ndarray | None = None,
) -> np.ndarray:
    """The corpus ids of a shard's sentences `ids` (None: all of them, in order).

    Their articles' first ids in the corpus, plus their offsets in their articles.
    """
    if ids is None:
        ids, articles = np.arange(len(article_of), dtype=np.int64), article_of
    else:
        articles = article_of[ids]
    return firsts[articles] + (ids - first_of_article[articles])


def restate(
    model: Bm25,
    groups: np.ndarray,
    keys: np.ndarray,
    idf: np.ndarray,
    documents: np.ndarray,
    length: np.ndarray,
    params: SearchParams,
) -> Bm25:
    """A shard's model scoring with the corpus's idf and average lengths (see the module).

    Args:
        model: fitted on the shard's documents (with their `lengths`).
        groups: the corpus-wide language number of each of its documents.
        keys: every term of the corpus (`corpus_idf`).
        idf: their idf.
        documents: the corpus's number of documents in each language.
        length: their summed length in each language.
        params: k1, b, epsilon.
    """
    if model.lengths is None:
        raise ValueError("the shard's model has no document lengths")
    at = np.searchsorted(keys, model.keys)
    if len(at) and (at.max() >= len(keys) or not np.array_equal(keys[at], model.keys)):
        raise ValueError("the statistics do not hold every term of the shard")
    # As `rank_bm25_norm` averages: the summed length over the number of documents.
    averages = np.array(
        [float(int(s)) / int(n) if n else 1.0 for s, n in zip(length, documents, strict=True)]
    )
    norm = grouped_norm(model.lengths, groups, bm25_params(params), averages)
    return model.restated(np.ascontiguousarray(idf[at]), norm)


def stem_model(arrays: dict[str, np.ndarray], params: SearchParams) -> Bm25:
    """Every stem of the corpus with its idf, as a model without postings (see `merge`)."""
    keys = arrays["stems.keys"]
    return Bm25(
        keys,
        np.zeros(len(keys) + 1, dtype=np.int64),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.uint16),
        arrays["stems.idf"],
        np.zeros(0),
        params.k1,
    )
