"""Answer quality: ReQA-style sentence retrieval on SQuAD v1.1 dev, TrecQA, and off-topic rate;
source credits on labelled news sentences.

    python bench/quality.py ../shared/data/squad_v1.1_dev.json.gz \\
        --trecqa ../shared/data/trecqa_test.jsonl
    python bench/quality.py --attribution ../shared/eval/attribution_dev.jsonl \\
        --bbc ../shared/data/bbc_news_2225.jsonl

Every SQuAD dev article becomes an article of a corpus built with the project's own corpus,
splitting and indexing code; every question is asked against the whole pool of sentences. A
question is answered at rank r when the r-th hit's sentence holds one of its answers'
`answer_start` offsets (ReQA, Ahmad et al. 2019). The data is read from the path given and never
copied into the repository. With `--attribution` (and `--bbc`, the archive its articles come
from) the labelled sentences' credits and citations are scored (see `bench/attribution.py`);
without the SQuAD file only that runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from nltk.stem.porter import PorterStemmer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.attribution import attribution  # noqa: E402
from bot.config import SearchParams  # noqa: E402
from bot.search.answer import answer  # noqa: E402
from bot.search.bm25 import Bm25, Bm25Params  # noqa: E402
from bot.search.corpus import Corpus, article_from_text, load_corpus  # noqa: E402
from bot.search.index import SentenceIndex  # noqa: E402
from bot.search.text import tokenize  # noqa: E402

DEPTH = 100  # ranks looked at for MRR


@dataclass(frozen=True)
class Question:
    text: str
    article: int
    offsets: tuple[int, ...]
    exact: bool  # offsets copied or certain, not inferred among several occurrences


@dataclass(frozen=True)
class Scores:
    n: int
    p1: float
    mrr: float
    r5: float

    def row(self, name: str) -> str:
        return f"| {name} | {self.n:,} | {self.p1:.4f} | {self.mrr:.4f} | {self.r5:.4f} |"


def load_squad(
    path: Path, first: int = 0, last: int | None = None
) -> tuple[Corpus, list[Question]]:
    """SQuAD articles [first, last) as a corpus (paragraphs joined by blank lines), questions."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"][first:last]
    articles, questions = [], []
    for a, item in enumerate(data):
        body, starts = "", []
        for paragraph in item["paragraphs"]:
            body += "\n\n" if body else ""
            starts.append(len(body))
            body += paragraph["context"]
        articles.append(
            article_from_text(item["title"], body, title=item["title"].replace("_", " "))
        )
        for start, paragraph in zip(starts, item["paragraphs"], strict=True):
            for qa in paragraph["qas"]:
                offsets = tuple(sorted({start + ans["answer_start"] for ans in qa["answers"]}))
                exact = qa.get("answer_start_source", "official") != "inferred_ambiguous"
                questions.append(Question(qa["question"], a, offsets, exact))
    return Corpus(tuple(articles)), questions


def rank_of(question: Question, ranked: Sequence[tuple[int, int, int]]) -> int | None:
    """1-based rank of the first (article, start, end) holding an answer offset."""
    for r, (article, start, end) in enumerate(ranked, start=1):
        if article == question.article and any(start <= o < end for o in question.offsets):
            return r
    return None


def score(questions: Sequence[Question], ranker: Callable[[str], list]) -> Scores:
    ranks = [rank_of(q, ranker(q.text)) for q in questions]
    n = len(ranks) or 1  # an empty half (a small data file) scores 0
    return Scores(
        n,
        sum(r == 1 for r in ranks) / n,
        sum(1 / r for r in ranks if r) / n,
        sum(bool(r and r <= 5) for r in ranks) / n,
    )


def bot_ranker(index: SentenceIndex) -> Callable[[str], list]:
    def ranked(question: str) -> list[tuple[int, int, int]]:
        hits = index.search(question, DEPTH).hits
        articles = {a.id: i for i, a in enumerate(index.articles)}
        return [(articles[h.sentence.article.id], h.sentence.start, h.sentence.end) for h in hits]

    return ranked


def reference_ranker(index: SentenceIndex, analyse: Callable[[str], list[str]]) -> Callable:
    """Plain rank-bm25 over the same sentence pool with another text processing."""
    spans, documents = [], []
    positions = {a.id: i for i, a in enumerate(index.articles)}
    for i in range(len(index)):
        s = index.sentence(i)
        spans.append((positions[s.article.id], s.start, s.end))
        documents.append(analyse(s.text))
    model = Bm25.fit(documents)

    def ranked(question: str) -> list[tuple[int, int, int]]:
        scores = model.scores(analyse(question))
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        return [spans[i] for i in top if scores[i] > 0]

    return ranked


_STEMMER = PorterStemmer()


def on_spaces(text: str) -> list[str]:
    return text.split()


def lower_porter(text: str) -> list[str]:
    return [_STEMMER.stem(w) for w in re.findall(r"\w+", text.lower())]


def trecqa(path: Path, params: SearchParams) -> dict[str, tuple[float, float, int]]:
    """MAP and MRR re-ranking each question's candidates (idf over all candidates of the split)."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    items = [
        q for q in items if {c["label"] for c in q["candidates"]} == {0, 1}
    ]  # the usual "clean" set: questions with both right and wrong candidates
    results = {}
    for name, analyse in (("briefing bot", tokenize), ("rank-bm25, lower + Porter", lower_porter)):
        documents = [analyse(c["sentence"]) for q in items for c in q["candidates"]]
        model = Bm25.fit(documents, Bm25Params(params.k1, params.b, params.epsilon))
        ap_sum = rr_sum = 0.0
        first = 0
        for q in items:
            labels = [c["label"] for c in q["candidates"]]
            ids = np.arange(first, first + len(labels))
            first += len(labels)
            scores = model.scores(analyse(q["question"]))[ids]
            order = np.argsort(-scores, kind="stable")
            hits, precision = 0, []
            for rank, j in enumerate(order, start=1):
                if labels[j]:
                    hits += 1
                    precision.append(hits / rank)
                    if hits == 1:
                        rr_sum += 1 / rank
            ap_sum += sum(precision) / sum(labels)
        results[name] = (ap_sum / len(items), rr_sum / len(items), len(items))
    return results


def off_topic(squad: Path, corpus_dir: Path, params: SearchParams, count: int) -> tuple[int, int]:
    """How many of the first `count` SQuAD questions the bundled corpus declines to answer."""
    _, questions = load_squad(squad)
    index = SentenceIndex.build(load_corpus(corpus_dir), params)
    declined = sum(not answer(q.text, index).passages for q in questions[:count])
    return declined, count


def dev_questions(corpus_dir: Path, params: SearchParams, path: Path) -> tuple[int, int]:
    index = SentenceIndex.build(load_corpus(corpus_dir), params)
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    ok = 0
    for case in cases:
        passages = answer(case["question"], index).passages
        if case["expect"]:
            ok += bool(passages) and any(e in passages[0].text for e in case["expect"])
        else:
            ok += not passages
    return ok, len(cases)


def parse_overrides(pairs: list[str]) -> SearchParams:
    values = {}
    names = {f.name: f.type for f in dataclasses.fields(SearchParams)}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in names:
            raise SystemExit(f"unknown parameter {key!r}; known: {', '.join(names)}")
        values[key] = float(value)
    return dataclasses.replace(SearchParams(), **values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("squad", type=Path, nargs="?", help="squad_v1.1_dev.json.gz")
    parser.add_argument("--trecqa", type=Path, help="trecqa_test.jsonl (optional)")
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "corpus", help="corpus for the off-topic check"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a search parameter (k1, b, paragraph_weight, …)",
    )
    parser.add_argument("--every", type=int, default=1, help="use every Nth question (quick runs)")
    parser.add_argument("--quick", action="store_true", help="only the bot on the full pool")
    parser.add_argument(
        "--attribution", type=Path, help="labelled sentences (attribution_dev.jsonl)"
    )
    parser.add_argument(
        "--bbc", type=Path, help="the archive they come from (bbc_news_2225.jsonl)"
    )
    args = parser.parse_args(argv)
    if args.squad is None and args.attribution is None:
        parser.error("give the SQuAD file, or --attribution with --bbc")
    if args.attribution and not args.bbc:
        parser.error("--attribution needs --bbc, the archive of its articles")
    params = parse_overrides(args.set)
    started = time.perf_counter()
    if args.attribution:
        print("\n".join(attribution(args.attribution, args.bbc, params)), flush=True)
        if args.squad is None:
            print(f"\n({time.perf_counter() - started:.0f} s)")
            return 0
        print()

    print(f"search parameters: {dataclasses.asdict(params)}\n")
    print("| ReQA SQuAD v1.1 dev | questions | P@1 | MRR | R@5 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    corpus, questions = load_squad(args.squad)
    questions = questions[:: args.every]
    index = SentenceIndex.build(corpus, params)
    bot = bot_ranker(index)
    print(score(questions, bot).row(f"briefing bot, {len(index):,} sentences"), flush=True)
    if not args.quick:
        exact = [q for q in questions if q.exact]
        print(score(exact, bot).row("briefing bot, questions with exact offsets only"))
        for name, analyse in (
            ("split on spaces", on_spaces),
            ("lower-case + Porter", lower_porter),
        ):
            print(score(questions, reference_ranker(index, analyse)).row(f"rank-bm25, {name}"))
        halves = []
        for name, first, last in (("first 24 (tuning)", 0, 24), ("last 24 (held out)", 24, None)):
            half_corpus, half_questions = load_squad(args.squad, first, last)
            half_index = SentenceIndex.build(half_corpus, params)
            half = score(half_questions[:: args.every], bot_ranker(half_index))
            halves.append(half)
            print(half.row(f"briefing bot, pool of the {name} articles"), flush=True)
        print(f"\nP@1 gap between the halves: {abs(halves[0].p1 - halves[1].p1):.4f}")
    if args.trecqa:
        print("\n| TrecQA (clean) | questions | MAP | MRR |\n| --- | ---: | ---: | ---: |")
        for name, (map_, mrr, n) in trecqa(args.trecqa, params).items():
            print(f"| {name} | {n} | {map_:.3f} | {mrr:.3f} |")
    if not args.quick:
        declined, total = off_topic(args.squad, args.corpus, params, 200)
        where = f"{args.corpus.name}/"
        print(
            f"\noff-topic: {declined}/{total} of the first SQuAD questions asked of {where} "
            f"get 'not covered' ({declined / total:.1%})"
        )
        dev = ROOT / "tests" / "data" / "dev_questions.jsonl"
        ok, n = dev_questions(args.corpus, params, dev)
        print(f"dev questions: {ok}/{n} answered as expected")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
