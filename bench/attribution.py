"""Source credits on hand-labelled sentences, scored in process as the shared eval script does.

Used by `bench/quality.py --attribution LABELS --bbc ARTICLES`. The labelled articles become a
corpus through the project's own code (title from the archive, text as written), and each
labelled sentence is scored twice:

- its credit (`Sentence.source`): correct when the gold is null and nobody is credited, or when
  the gold or one of its alternatives occurs in the credit as whole words (case-insensitive);
  otherwise a wrong credit (someone credited for an own-voice sentence, or someone else) or a
  missed one (nobody credited for a sourced sentence);
- its citation: the sentence is asked as a question (k=3); the passage whose matched sentence is
  it carries the citation a reader sees. Less its title, paragraph and URL parts, it must credit
  nobody for an own-voice sentence, and the gold (or an alternative) otherwise; anything else
  is a citation misattribution.

A bot sentence that is a start of the labelled one (cut short), or holds it (joined to the one
before), stands in for it, as in the shared script. Then every article of the archive is
credited, once, to time what citing costs (`credits.attribute` on the index's sentences).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

from bot.config import SearchParams
from bot.render import citation_text
from bot.search.answer import answer
from bot.search.corpus import Corpus, article_from_text
from bot.search.credits import attribute
from bot.search.hits import Sentence
from bot.search.index import SentenceIndex

KINDS = ("said", "continuation", "according", "editorial", "tricky")
K = 3
_SENTENCE_END = re.compile(
    r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9]|[ \t]*\n|\s*$)"
)


def attribution(labels: Path, archive: Path, params: SearchParams) -> list[str]:
    """Score the labelled sentences; return the lines to print."""
    items = _jsonl(labels)
    records = {r["id"]: r for r in _jsonl(archive)}
    wanted = sorted({item["article"] for item in items})
    missing = [i for i in wanted if i not in records]
    if missing:
        raise SystemExit(f"articles not in {archive}: {', '.join(missing)}")
    corpus = Corpus(
        tuple(
            article_from_text(i, records[i]["text"].strip(), " ".join(records[i]["title"].split()))
            for i in wanted
        )
    )
    index = SentenceIndex.build(corpus, params)
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    errors: list[str] = []
    citations: Counter[str] = Counter()
    for item in items:
        article = corpus.articles[wanted.index(item["article"])]
        gold = item["gold"]
        names = ([gold] if gold else []) + list(item.get("alts") or [])
        pos = article.body.find(item["sentence_start"])
        found = _match(index.sentences_of(article), item["sentence_start"], pos)
        outcome = "not found" if found is None else _judge(found.source, gold, names)
        counts[item["kind"]][outcome] += 1
        if outcome != "ok":
            credit = found.source if found else None
            errors.append(f"  [{outcome}, {item['kind']}] {item['sentence_start']!r}: {credit!r}")
        question = _question(article.body, max(pos, 0))
        passages = answer(question, index, k=K).passages
        hits = [p for p in passages if p.article.id == article.id]
        matched = _match([p.matched for p in hits], item["sentence_start"], pos)
        hit = next((p for p in hits if p.matched is matched), None) if matched else None
        if hit is None:
            citations["not in top 3"] += 1
            continue
        credited = _citation_credit(citation_text(hit), article.title)
        if gold is None and _credits_someone(credited):
            citations["misattributed"] += 1
            errors.append(f"  [own voice cited] {item['sentence_start']!r}: {credited!r}")
        elif gold and not _credits_someone(credited):
            citations["no credit"] += 1
        elif gold and not _names_in(credited, names):
            citations["misattributed"] += 1
            errors.append(f"  [other source cited] {item['sentence_start']!r}: {credited!r}")
    total = Counter()
    lines = [f"attribution: {len(items)} labelled sentences, {len(wanted)} articles ({labels})"]
    for kind in KINDS:
        c = counts[kind]
        n = sum(c.values())
        total.update(c)
        if n:
            lines.append(
                f"  {kind:12s} {c['ok']:2d}/{n:2d} = {c['ok'] / n:.2f}   "
                f"wrong {c['wrong']}  missed {c['missed']}  not found {c['not found']}"
            )
    n = sum(total.values())
    ok = total["ok"]
    lines.append(
        f"  overall      {ok}/{n} = {ok / n:.3f}; wrong credits {total['wrong']}, "
        f"missed {total['missed']}; citation misattributions {citations['misattributed']}/{n} "
        f"(no credit for a sourced sentence {citations['no credit']}, "
        f"not in the top {K} {citations['not in top 3']})"
    )
    lines += errors
    lines.append(_timing(archive, records, params))
    return lines


def _timing(archive: Path, records: dict[str, dict], params: SearchParams) -> str:
    """Credit every article of the archive once, as citing them would."""
    corpus = Corpus(
        tuple(article_from_text(i, r["text"].strip(), r.get("title")) for i, r in records.items())
    )
    index = SentenceIndex.build(corpus, params)
    work = [
        (article.body, [(s.paragraph, s.start, s.end) for s in index.sentences_of(article)])
        for article in index.articles
    ]
    started = time.perf_counter()
    credited = sum(sum(c.source is not None for c in attribute(b, s)) for b, s in work)
    seconds = time.perf_counter() - started
    return (
        f"crediting every article of {archive.name}: {len(work):,} articles, {len(index):,} "
        f"sentences ({credited:,} credited) in {seconds:.2f} s "
        f"({1000 * seconds / max(len(work), 1):.2f} ms an article)"
    )


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u2019", "'")).strip()


def _match(sentences: list[Sentence], start: str, pos: int) -> Sentence | None:
    """The sentence holding the labelled one: exact, cut short, or joined to the one before."""
    s0 = _squash(start)
    exact = [s for s in sentences if _squash(s.text).startswith(s0)]
    if exact:
        return next((s for s in exact if s.start == pos), exact[0])
    for s in sentences:
        text = _squash(s.text)
        if text and (s.start == pos or (len(text) >= 8 and s0.startswith(text))):
            return s
    return next((s for s in sentences if s.start < pos < s.end), None)


def _judge(credit: str | None, gold: str | None, names: list[str]) -> str:
    credit = _squash(credit) or None
    if (gold is None and credit is None) or (gold and credit and _names_in(credit, names)):
        return "ok"
    return "missed" if credit is None else "wrong"


def _names_in(credit: str, names: list[str]) -> bool:
    text = _squash(credit)
    return any(
        n and re.search(r"(?<!\w)" + re.escape(_squash(n)) + r"(?!\w)", text, re.IGNORECASE)
        for n in names
    )


def _question(text: str, pos: int) -> str:
    end = _SENTENCE_END.search(text, pos + 1)
    return _squash(text[pos : end.end()] if end else text[pos:])


def _citation_credit(citation: str, title: str) -> str:
    parts = [
        part
        for part in re.split(r"\s+\u00b7\s+", _squash(citation))
        if not (
            _squash(title) in part
            or re.search(r"\bparagraph \d+\s*$", part)
            or re.match(r"[a-z][a-z0-9+.-]*://", part)
        )
    ]
    return " \u00b7 ".join(parts).strip()


def _credits_someone(credit: str) -> bool:
    return bool(re.search(r"according to", credit, re.IGNORECASE) or re.search(r"[A-Z]", credit))
