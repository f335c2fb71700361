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
- bot+semantic: the same, with the semantic stage (--model): every distinct sentence encoded
  once (sentences that repeat under new ids are encoded once; the table says how many were),
  saved with the index as float16 and memory-mapped on restart; questions are encoded too.
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

SYSTEMS = ("bot", "bm25s", "rank-bm25", "bot+semantic")
SHARED_MODEL = ROOT.parent / "shared" / "models" / "all-MiniLM-L6-v2-onnx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("jsonl", type=Path, nargs="?", help="articles, one JSON object a line")
    parser.add_argument("--scale", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rank-bm25-max", type=int, default=200_000, metavar="N")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS[:3]), choices=SYSTEMS)
    parser.add_argument(
        "--model",
        type=Path,
        default=SHARED_MODEL,
        help="the semantic model's folder, for bot+semantic, --ask and --news",
    )
    parser.add_argument(
        "--ask",
        action="store_true",
        help="also time `bot ask` end to end on the bundled corpus, with and without the model",
    )
    parser.add_argument(
        "--news",
        type=Path,
        metavar="QUESTIONS",
        help="also time answers on the news paraphrase set's corpus (its articles from jsonl)",
    )
    parser.add_argument("--work", type=Path, help="folder for the corpora (default: a temp dir)")
    parser.add_argument(
        "--worker", nargs=3, metavar=("SYSTEM", "FOLDER", "MODE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker:
        system, folder, mode = args.worker
        print(json.dumps(WORKERS[system](Path(folder), mode)))
        return 0
    if args.ask:
        ask_timings(args.model)
    if args.news:
        if args.jsonl is None:
            parser.error("--news needs the JSONL of articles")
        news_timings(args.news, args.jsonl, args.model)
    if args.jsonl is None:
        if args.ask:
            return 0
        parser.error("the JSONL of articles is required")
    MODEL_DIR[0] = args.model
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
                    restart = run_worker(system, folder, "restart")
                    result["restart_s"] = restart["restart_s"]
                    result["restart_rss_mb"] = restart.get("restart_rss_mb")
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


MODEL_DIR = [SHARED_MODEL]  # passed on to the workers


def run_worker(system: str, folder: Path, mode: str) -> dict:
    command = [sys.executable, __file__, "--worker", system, str(folder), mode]
    command += ["--model", str(MODEL_DIR[0])]
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


def bot_worker(folder: Path, mode: str, semantic: bool = False) -> dict:
    from bot.config import SearchParams
    from bot.search import semantic as stage
    from bot.search.store import load_or_build

    questions = json.loads((folder / "questions.json").read_text())
    cache = folder / ("bot-semantic-cache" if semantic else "bot-cache")
    if mode == "build":
        shutil.rmtree(cache, ignore_errors=True)
    model = None
    encoding = {"texts": 0, "seconds": 0.0}
    if semantic:
        from bot.search.embed import Encoder

        encoder = Encoder(_model_dir())
        model = lambda n: encoder  # noqa: E731
        real = stage.encode_sentences

        def timed(*args, **kwargs):
            started = time.perf_counter()
            vectors = real(*args, **kwargs)
            encoding["seconds"] += time.perf_counter() - started
            encoding["texts"] += len(vectors)
            return vectors

        stage.encode_sentences = timed
    started = time.perf_counter()
    index = load_or_build(folder / "corpus", SearchParams(), cache_dir=cache, model=model)
    elapsed = time.perf_counter() - started
    if mode == "restart":  # then answer the questions: what a restarted bot holds in memory
        latencies(lambda q: index.search(index.query(q), 10), questions)
        return {"restart_s": elapsed, "restart_rss_mb": peak_rss_mb()}
    return {
        "build_s": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "sentences": len(index),
        "encoded": encoding["texts"],
        "encode_s": encoding["seconds"],
        **latencies(lambda q: index.search(index.query(q), 10), questions),
    }


def _model_dir() -> Path:
    return Path(sys.argv[sys.argv.index("--model") + 1]) if "--model" in sys.argv else SHARED_MODEL


def ask_timings(model: Path, runs: int = 5) -> None:
    """`bot ask` on the bundled corpus, end to end (a fresh process each run; median)."""
    import os
    import statistics

    question = "Who is winning the battle for the city?"
    with tempfile.TemporaryDirectory(prefix="briefing-ask-") as cache:
        for name, extra in (
            ("words only", {"SEMANTIC": "off"}),
            ("with the model", {"SEMANTIC": "on", "SEMANTIC_MODEL": str(model)}),
        ):
            env = {**os.environ, "INDEX_CACHE_DIR": cache, **extra}
            command = [sys.executable, "-m", "bot", "ask", "--corpus", str(ROOT / "corpus")]
            times = []
            for _ in range(runs + 1):  # the first run saves the index (and its vectors)
                started = time.perf_counter()
                subprocess.run([*command, question], env=env, capture_output=True, check=True)
                times.append(time.perf_counter() - started)
            print(
                f"bot ask, bundled corpus, {name}: median {statistics.median(times[1:]):.2f} s, "
                f"range {min(times[1:]):.2f}-{max(times[1:]):.2f} s over {runs} runs "
                f"(first run, saving the index: {times[0]:.2f} s)",
                flush=True,
            )


def news_timings(questions_path: Path, jsonl: Path, model: Path) -> None:
    """Latency of whole answers on the news paraphrase set's corpus, with the semantic stage."""
    from bot.config import SearchParams
    from bot.search.answer import answer
    from bot.search.corpus import Corpus, article_from_text
    from bot.search.embed import Encoder
    from bot.search.index import SentenceIndex
    from bot.search.store import with_vectors

    items = [json.loads(line) for line in questions_path.read_text().splitlines() if line]
    wanted = {it["article"] for it in items if it["article"]}
    articles = [
        article_from_text(a["id"], a["text"], title=a["title"])
        for a in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())
        if a["id"] in wanted
    ]
    index = SentenceIndex.build(Corpus(tuple(articles)), SearchParams())
    encoder = Encoder(model)
    started = time.perf_counter()
    index = with_vectors(index, encoder)
    seconds = time.perf_counter() - started
    timing = latencies(lambda q: answer(q, index), [it["question"] for it in items])
    print(
        f"news set corpus ({len(index)} sentences): answer() p50 {timing['p50_ms']:.1f} ms, "
        f"p95 {timing['p95_ms']:.1f} ms with the model (question encoded each time); "
        f"vectors made in {seconds:.1f} s ({len(index) / seconds:.0f} sentences/s)",
        flush=True,
    )


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


WORKERS = {
    "bot": bot_worker,
    "bm25s": bm25s_worker,
    "rank-bm25": rank_bm25_worker,
    "bot+semantic": lambda folder, mode: bot_worker(folder, mode, semantic=True),
}


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
        if row.get("restart_rss_mb"):
            print(
                f"| {row['scale']:,} | {row['system']}: after a restart, answering "
                f"| – | {row['restart_rss_mb']:.0f} | – | – | – |"
            )
        if row.get("encoded"):
            rate = row["encoded"] / row["encode_s"]
            print(
                f"| {row['scale']:,} | (of which encoding {row['encoded']:,} distinct sentences "
                f"at {rate:.0f}/s) | {row['encode_s']:.1f} | – | – | – | – |"
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
        bot, fast, slow = (ran.get((s, scale)) for s in SYSTEMS[:3])
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
