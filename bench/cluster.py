"""Sharding at archive scale: one index against the same corpus as shards on a local Ray.

    python bench/cluster.py ../shared/data/bbc_news_2225.jsonl --sentences 1000000 --shards 4

The JSONL's articles are repeated under new ids until the corpus holds N sentences, as in
bench/speed.py. Then, one after the other:

- one index: built in a fresh process (`store.load_or_build`; build time, peak RSS), then
  asked the questions (200 article titles): `search(question, 10)` as bench/speed.py times
  it, and a whole `answer()` (passages and credits), p50 and p95; its answers are kept.
- shards: a local Ray with one worker a core; `bot index build --shards N`'s work
  (`cluster.build_sharded`: Punkt, the shards as Ray tasks, the statistics; build time), the
  shard actors started (`cluster.open_index`), the same questions timed in this process (the
  bot's), each shard actor's memory, and whether every answer's first three passages are the
  one index's (article, passage, scores).

Lexical by default; --semantic MODEL adds sentence vectors to both (the sharded build reuses
the one index's vectors, as a cluster switched on beside a saved index would: encoding is the
same work in both, timed once). Nothing is copied into the repository: corpora go to a
temporary folder (or --work) that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import latencies, peak_rss_mb, write_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("jsonl", type=Path, nargs="?", help="articles, one JSON object a line")
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--semantic", type=Path, metavar="MODEL", help="a model folder")
    parser.add_argument("--work", type=Path, help="folder for the corpus (default: a temp dir)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(one_index(args.worker, args.semantic)))
        return 0
    if args.jsonl is None:
        parser.error("the JSONL of articles is required")
    articles = [json.loads(line) for line in args.jsonl.read_text(encoding="utf-8").splitlines()]
    questions = [a["title"] for a in random.Random(7).sample(articles, args.queries)]
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-cluster-"))
    try:
        sentences = write_corpus(articles, args.sentences, work)
        (work / "questions.json").write_text(json.dumps(questions))
        print(f"corpus: {sentences:,} sentences; one index in a fresh process", file=sys.stderr)
        command = [sys.executable, __file__, "--worker", str(work)]
        if args.semantic:
            command += ["--semantic", str(args.semantic)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"the one index failed:\n{done.stderr}")
        single = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(single), file=sys.stderr)
        sharded = shards(work, args.shards, args.semantic)
        print(json.dumps(sharded), file=sys.stderr)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print_table(sentences, args.shards, single, sharded, bool(args.semantic))
    return 0


def one_index(folder: Path, model: Path | None) -> dict:
    """Build one index in this (fresh) process, time questions, keep the answers' top three."""
    from bot.config import SearchParams
    from bot.search.store import load_or_build

    questions = json.loads((folder / "questions.json").read_text())
    encoder = _encoder(model)
    started = time.perf_counter()
    index = load_or_build(
        folder / "corpus",
        SearchParams(),
        cache_dir=folder / "single-cache",
        model=(lambda n: encoder) if encoder else None,
    )
    build_s = time.perf_counter() - started
    result = {"build_s": build_s, "peak_rss_mb": peak_rss_mb(), "sentences": len(index)}
    result.update(_timed(index, questions))
    (folder / "single-top3.json").write_text(json.dumps(_top3(index, questions)))
    return result


def shards(folder: Path, count: int, model: Path | None) -> dict:
    """Build the shards on a local Ray, start them, time the questions from this process."""
    from dataclasses import replace

    from bot.cluster import build_sharded, open_index
    from bot.cluster.actors import connect, resident_mb, stop_all
    from bot.config import Settings
    from bot.search.corpus import load_corpus

    questions = json.loads((folder / "questions.json").read_text())
    encoder = _encoder(model)
    connect(None, os.cpu_count())
    settings = replace(
        Settings(),
        corpus_dir=folder / "corpus",
        shard_dir=folder / "shards",
        index_cache=folder / "single-cache",  # its vectors are reused (--semantic)
        ray_address="local",
    )
    corpus = load_corpus(settings.corpus_dir)
    chosen = (lambda n: encoder) if encoder else None
    started = time.perf_counter()
    manifest = build_sharded(settings, corpus, chosen, count, say=_say)
    build_s = time.perf_counter() - started
    try:
        started = time.perf_counter()
        index = open_index(settings, corpus, chosen)
        start_s = time.perf_counter() - started
        result = {"build_s": build_s, "start_s": start_s, "sentences": manifest.sentences}
        result.update(_timed(index, questions))
        mine, theirs = (
            _top3(index, questions),
            json.loads((folder / "single-top3.json").read_text()),
        )
        result["same_top3"] = sum(a == b for a, b in zip(mine, theirs, strict=True))
        result["questions"] = len(questions)
        import ray

        infos = ray.get([h.info.remote() for h in index.shards.handles])
        result["shard_rss_mb"] = [round(i["rss_mb"]) for i in infos]
        result["shard_sentences"] = [i["sentences"] for i in infos]
        result["bot_rss_mb"] = round(resident_mb())
        result["disk_mb"] = round(sum(e.bytes for e in manifest.shards) / 1e6)
        index.close()
    finally:
        stop_all()
    return result


def _timed(index, questions: list[str]) -> dict:
    from bot.search.answer import answer

    search = latencies(lambda q: index.search(index.query(q), 10), questions)
    whole = latencies(lambda q: answer(q, index), questions)
    return {
        "search_p50_ms": search["p50_ms"],
        "search_p95_ms": search["p95_ms"],
        "answer_p50_ms": whole["p50_ms"],
        "answer_p95_ms": whole["p95_ms"],
    }


def _top3(index, questions: list[str]) -> list[list]:
    """Each answer's first three passages: article, passage offsets and every score."""
    from bot.search.answer import answer

    found = [
        [
            (p.article.id, p.sentences[0].start, p.sentences[-1].end, p.score, p.bm25, p.coverage)
            for p in answer(q, index).passages[:3]
        ]
        for q in questions
    ]
    return json.loads(json.dumps(found))  # as the other process's, read back from JSON


def _encoder(model: Path | None):
    if model is None:
        return None
    from bot.search.embed import Encoder

    return Encoder(model)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def print_table(sentences: int, count: int, single: dict, sharded: dict, semantic: bool) -> None:
    kind = "with the semantic stage" if semantic else "lexical"
    print(f"\n{sentences:,} sentences, {kind}; {os.cpu_count()} cores\n")
    print("| index | build s | search p50 ms | p95 ms | answer p50 ms | p95 ms | memory |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    print(
        f"| one index | {single['build_s']:.1f} | {single['search_p50_ms']:.2f} | "
        f"{single['search_p95_ms']:.2f} | {single['answer_p50_ms']:.2f} | "
        f"{single['answer_p95_ms']:.2f} | peak {single['peak_rss_mb']:,.0f} MB |"
    )
    per_shard = ", ".join(f"{m:,}" for m in sharded["shard_rss_mb"])
    print(
        f"| {count} shards, local Ray | {sharded['build_s']:.1f} | "
        f"{sharded['search_p50_ms']:.2f} | {sharded['search_p95_ms']:.2f} | "
        f"{sharded['answer_p50_ms']:.2f} | {sharded['answer_p95_ms']:.2f} | "
        f"shards {per_shard} MB; bot {sharded['bot_rss_mb']:,} MB |"
    )
    extra = sharded["search_p50_ms"] - single["search_p50_ms"]
    print(
        f"\nfan-out and merge over one index: {extra:+.2f} ms at p50 (search); "
        f"{sharded['answer_p50_ms'] - single['answer_p50_ms']:+.2f} ms (answer); "
        f"shards started in {sharded['start_s']:.1f} s; {sharded['disk_mb']:,} MB on disk; "
        f"identical top 3: {sharded['same_top3']}/{sharded['questions']}"
    )


if __name__ == "__main__":
    sys.exit(main())
