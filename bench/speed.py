"""Speed at archive scale: this project against rank-bm25 and bm25s, on the same sentences.

    python bench/speed.py ../shared/data/bbc_news_2225.jsonl --scale 10000 100000 1000000

The JSONL's articles (fields `id`, `title`, `text`) are repeated under new ids until the corpus
holds N sentences. For each scale and system, a fresh process builds the index and reports
build time, peak RSS, query latency (p50/p95 over the same questions: article titles) and the
time a restart takes when a saved index can be loaded. Nothing is copied into the repository:
the corpora are written to a temporary folder (or --work) and removed afterwards.

- briefing bot: `bot.search.store.load_or_build` on the corpus folder (one JSONL archive):
  splitting, quote analysis, terms, the three BM25 models; then a restart that loads the saved
  index.
- bm25s: `bm25s.tokenize` (English stop words, PyStemmer's English stemmer) and `BM25.index`
  over the sentences as the bot split them; restart: `BM25.load` plus reading the sentences.
- rank-bm25: lower-case words with NLTK's Porter stemmer, `BM25Okapi`, `get_scores` and a
  sort; skipped above --rank-bm25-max sentences, its times then extrapolated linearly from the
  largest scale it ran (said so in the table).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYSTEMS = ("bot", "bm25s", "rank-bm25")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("jsonl", type=Path, nargs="?", help="articles, one JSON object a line")
    parser.add_argument("--scale", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rank-bm25-max", type=int, default=200_000, metavar="N")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--work", type=Path, help="folder for the corpora (default: a temp dir)")
    parser.add_argument(
        "--worker", nargs=3, metavar=("SYSTEM", "FOLDER", "MODE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        system, folder, mode = args.worker
        print(json.dumps(WORKERS[system](Path(folder), mode)))
        return 0

    if args.jsonl is None:
        parser.error("the JSONL of articles is required")
    articles = [json.loads(line) for line in args.jsonl.read_text(encoding="utf-8").splitlines()]
    questions = [a["title"] for a in random.Random(7).sample(articles, args.queries)]
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-speed-"))
    rows = []
    try:
        for scale in args.scale:
            folder = work / f"scale-{scale}"
            sentences = write_corpus(articles, scale, folder)
            (folder / "questions.json").write_text(json.dumps(questions))
            for system in args.systems:
                if system == "rank-bm25" and sentences > args.rank_bm25_max:
                    rows.append({"system": system, "scale": sentences, "skipped": True})
                    continue
                result = run_worker(system, folder, "build")
                if system != "rank-bm25":
                    result["restart_s"] = run_worker(system, folder, "restart")["restart_s"]
                rows.append({"system": system, "scale": sentences, **result})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    return 0


def write_corpus(articles: list[dict], scale: int, folder: Path) -> int:
    """Repeat the articles under new ids until `scale` sentences; write both corpus forms."""
    from bot.search.corpus import article_from_text
    from bot.search.sentences import SentenceSplitter

    (folder / "corpus").mkdir(parents=True, exist_ok=True)
    splitter = SentenceSplitter.train(a["text"] for a in articles)
    per_article = []
    for a in articles:
        article = article_from_text(a["id"], a["text"].replace("\r\n", "\n").strip())
        per_article.append(
            [
                article.body[p + s : p + e]
                for p, q in article.paragraphs
                for s, e in splitter.spans(article.body[p:q])
            ]
        )
    count, copy = 0, 0
    with (
        open(folder / "corpus" / "archive.jsonl", "w", encoding="utf-8") as corpus,
        open(folder / "sentences.txt", "w", encoding="utf-8") as plain,
    ):
        while count < scale:
            for a, sentences in zip(articles, per_article, strict=True):
                if count >= scale:
                    break
                record = {"id": f"{a['id']}-{copy}", "title": a["title"], "text": a["text"]}
                corpus.write(json.dumps(record) + "\n")
                plain.writelines(" ".join(s.split()) + "\n" for s in sentences)
                count += len(sentences)
            copy += 1
    return count


def run_worker(system: str, folder: Path, mode: str) -> dict:
    command = [sys.executable, __file__, "--worker", system, str(folder), mode]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{system} {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latencies(answer, questions: list[str]) -> dict:
    for question in questions[:5]:
        answer(question)  # warm caches, as a running bot would be
    times = []
    for question in questions:
        started = time.perf_counter()
        answer(question)
        times.append(time.perf_counter() - started)
    times.sort()
    return {
        "p50_ms": 1000 * times[len(times) // 2],
        "p95_ms": 1000 * times[int(len(times) * 0.95) - 1],
    }


def bot_worker(folder: Path, mode: str) -> dict:
    from bot.config import SearchParams
    from bot.search.store import load_or_build

    questions = json.loads((folder / "questions.json").read_text())
    cache = folder / "bot-cache"
    if mode == "build":
        shutil.rmtree(cache, ignore_errors=True)
    started = time.perf_counter()
    index = load_or_build(folder / "corpus", SearchParams(), cache_dir=cache)
    elapsed = time.perf_counter() - started
    if mode == "restart":
        return {"restart_s": elapsed, "restart_rss_mb": peak_rss_mb()}
    return {
        "build_s": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "sentences": len(index),
        **latencies(lambda q: index.search(q, 10), questions),
    }


def bm25s_worker(folder: Path, mode: str) -> dict:
    import bm25s
    import Stemmer

    questions = json.loads((folder / "questions.json").read_text())
    stemmer = Stemmer.Stemmer("english")
    saved = folder / "bm25s-index"
    started = time.perf_counter()
    if mode == "restart":
        retriever = bm25s.BM25.load(saved)
        sentences = (folder / "sentences.txt").read_text(encoding="utf-8").splitlines()
        return {"restart_s": time.perf_counter() - started, "sentences": len(sentences)}
    sentences = (folder / "sentences.txt").read_text(encoding="utf-8").splitlines()
    tokens = bm25s.tokenize(sentences, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    elapsed = time.perf_counter() - started
    retriever.save(saved)

    def search(question: str) -> None:
        query = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False)
        retriever.retrieve(query, k=10, show_progress=False)

    result = {
        "build_s": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "sentences": len(sentences),
        **latencies(search, questions),
    }
    # What bm25s would also spend to get those sentences from the articles (not in its RSS).
    return {**result, "split_s": splitting_time(folder / "corpus")}


def splitting_time(corpus: Path) -> float:
    """Seconds to load the articles and split them into sentences with the bot's splitter."""
    from bot.search.corpus import load_corpus
    from bot.search.sentences import SentenceSplitter

    started = time.perf_counter()
    articles = load_corpus(corpus).articles
    splitter = SentenceSplitter.train(a.body[s:e] for a in articles for s, e in a.paragraphs)
    for article in articles:
        for start, end in article.paragraphs:
            splitter.spans(article.body[start:end])
    return time.perf_counter() - started


def rank_bm25_worker(folder: Path, mode: str) -> dict:
    import re

    import numpy as np
    from nltk.stem.porter import PorterStemmer
    from rank_bm25 import BM25Okapi

    questions = json.loads((folder / "questions.json").read_text())
    stem = PorterStemmer().stem
    cache: dict[str, str] = {}

    def analyse(text: str) -> list[str]:
        words = re.findall(r"\w+", text.lower())
        return [cache.get(w) or cache.setdefault(w, stem(w)) for w in words]

    started = time.perf_counter()
    sentences = (folder / "sentences.txt").read_text(encoding="utf-8").splitlines()
    model = BM25Okapi([analyse(s) for s in sentences])
    elapsed = time.perf_counter() - started

    def search(question: str) -> None:
        scores = model.get_scores(analyse(question))
        np.argsort(-scores)[:10]

    return {
        "build_s": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "sentences": len(sentences),
        **latencies(search, questions[:20]),
    }


WORKERS = {"bot": bot_worker, "bm25s": bm25s_worker, "rank-bm25": rank_bm25_worker}


def print_table(rows: list[dict]) -> None:
    print("\n| sentences | system | build s | peak RSS MB | query p50 ms | p95 ms | restart s |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    ran = {}
    for row in rows:
        if row.get("skipped"):
            base = max(
                (r for r in rows if r["system"] == row["system"] and not r.get("skipped")),
                key=lambda r: r["scale"],
                default=None,
            )
            if base:
                factor = row["scale"] / base["scale"]
                print(
                    f"| {row['scale']:,} | {row['system']} (skipped; linear from "
                    f"{base['scale']:,}) | ~{base['build_s'] * factor:.0f} | – | "
                    f"~{base['p50_ms'] * factor:.0f} | ~{base['p95_ms'] * factor:.0f} | – |"
                )
                ran[(row["system"], row["scale"])] = {
                    "p50_ms": base["p50_ms"] * factor,
                    "build_s": base["build_s"] * factor,
                }
            continue
        ran[(row["system"], row["scale"])] = row
        restart = f"{row['restart_s']:.2f}" if "restart_s" in row else "–"
        print(
            f"| {row['scale']:,} | {row['system']} | {row['build_s']:.1f} | "
            f"{row['peak_rss_mb']:.0f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {restart} |"
        )
        if "split_s" in row:
            print(
                f"| {row['scale']:,} | bm25s, plus splitting the articles as the bot does | "
                f"{row['build_s'] + row['split_s']:.1f} | – | – | – | – |"
            )
    print(
        "\n| sentences | bot p50 / bm25s p50 | rank-bm25 p50 / bot p50 | bot build / bm25s build "
        "| bot build / (bm25s build + splitting) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    for scale in sorted({r["scale"] for r in rows}):
        bot, fast, slow = (ran.get((s, scale)) for s in SYSTEMS)
        if not bot:
            continue
        cells = [
            f"{bot['p50_ms'] / fast['p50_ms']:.2f}" if fast else "–",
            f"{slow['p50_ms'] / bot['p50_ms']:.0f}" if slow else "–",
            f"{bot['build_s'] / fast['build_s']:.2f}" if fast else "–",
            f"{bot['build_s'] / (fast['build_s'] + fast['split_s']):.2f}" if fast else "–",
        ]
        print(f"| {scale:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
