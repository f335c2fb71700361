"""Ingestion on real saved news pages: `bot add` and `bot refresh` against a loopback server.

    .venv/bin/python bench/ingest.py ../shared/data/html_news

FOLDER holds `pages/*.html`, `feeds/news.rss` and `feeds/news.atom` (with `{BASE}` for the
server's address) and `truth.jsonl` (see that folder's README). The pages are served as saved,
by `http.server` on 127.0.0.1 (`Content-Type: text/html` without a charset), and added through
the bot's CLI twice, each into a fresh corpus folder:

- by URL: `bot add URL…` with every page;
- through the feeds: `bot feeds add` both feeds, `bot refresh`, then `bot add` with every page
  (the pages the feeds brought must be found already there).

Printed: pages added; titles, dates, URLs and languages found and how many match the truth;
extraction word-F1 against the truth (bag of words: lower-cased \\w+ tokens, multiset overlap,
mean over pages with a full text), next to trafilatura's own score on the same bytes
(`trafilatura.extract(page, output_format="txt", include_comments=False)`), which must be equal;
seconds per page; and, for every added page, whether its title asked as a question (`bot ask
--json`, one batch) is answered with a citation linking to that page's URL, per language.
With FOLDER/extract_eval.py present, its own `bow_prf` re-checks the F1 figures.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import importlib.util
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.cli import main as bot_main  # noqa: E402
from bot.search.corpus import Article, load_corpus  # noqa: E402

_WORD = re.compile(r"\w+")


def word_prf(truth: str, text: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall and F1 of `text` against `truth` (lower-cased \\w+)."""
    want = Counter(_WORD.findall(truth.lower()))
    got = Counter(_WORD.findall(text.lower()))
    common = sum((want & got).values())
    n_got, n_want = sum(got.values()), sum(want.values())
    precision = common / n_got if n_got else (1.0 if not n_want else 0.0)
    recall = common / n_want if n_want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[\u2018\u2019\u201c\u201d\"'«»„]", "", text)
    return " ".join(text.split())


def title_matches(record: dict, title: str | None) -> bool:
    """The headline, one of its alternatives, or one containing the other (10+ characters)."""
    got = _norm(title)
    if not got:
        return False
    for candidate in [record.get("title"), *(record.get("title_alternatives") or [])]:
        want = _norm(candidate)
        if want and (
            got == want or (min(len(got), len(want)) >= 10 and (got in want or want in got))
        ):
            return True
    return False


def date_matches(record: dict, date: str | None) -> bool:
    """The calendar date, or one of the accepted alternatives."""
    day = (date or "")[:10]
    return bool(day) and (
        day == record.get("date") or day in (record.get("date_alternatives") or [])
    )


def snippet_shares(record: dict, text: str) -> tuple[float | None, float | None]:
    """Share of `with` snippets found and of `without` snippets absent (white space folded)."""
    flat = " ".join(text.split())
    found = [" ".join(s.split()) in flat for s in record.get("with") or []]
    absent = [" ".join(s.split()) not in flat for s in record.get("without") or []]
    return (
        sum(found) / len(found) if found else None,
        sum(absent) / len(absent) if absent else None,
    )


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """The pages and the feeds (with {BASE} filled in) on 127.0.0.1; yield the base URL."""
    with tempfile.TemporaryDirectory(prefix="bench-ingest-site-") as tmp:
        root = Path(tmp)
        shutil.copytree(folder / "pages", root / "pages")

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map: ClassVar[dict[str, str]] = {
                **http.server.SimpleHTTPRequestHandler.extensions_map,
                ".rss": "application/rss+xml",
                ".atom": "application/atom+xml",
            }

            def log_message(self, *args: object) -> None:
                pass

        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        (root / "feeds").mkdir()
        for name in ("news.rss", "news.atom"):
            text = (folder / "feeds" / name).read_text(encoding="utf-8").replace("{BASE}", base)
            (root / "feeds" / name).write_text(text, encoding="utf-8")
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield base
        finally:
            httpd.shutdown()
            httpd.server_close()


def bot(*argv: str) -> tuple[int, str, str]:
    """Run the bot's CLI in this process; return exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = bot_main(list(argv))
    return code, out.getvalue(), err.getvalue()


def by_source(corpus: Path, base: str) -> dict[str, Article]:
    """The corpus's articles by the page file they were fetched from."""
    found = {}
    for article in load_corpus(corpus).articles:
        source = article.extra.get("source_url") or article.url or ""
        if source.startswith(f"{base}/pages/"):
            found[source.rsplit("/", 1)[-1]] = article
    return found


def ask_titles(corpus: Path, titles: list[str]) -> tuple[list[dict], float]:
    """`bot ask --json` once over every title (one a line); the answers and the seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(corpus)],
        input="\n".join(titles) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        env={"INDEX_CACHE_DIR": "off", "PATH": "/usr/bin:/bin"},
    )
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    return answers, time.perf_counter() - started


def _eval_module(folder: Path):
    path = folder / "extract_eval.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("extract_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mean(values: list[float]) -> float:
    return statistics.mean(values) if values else float("nan")


def run(folder: Path, keep: Path | None) -> int:
    import trafilatura

    truth = [json.loads(x) for x in (folder / "truth.jsonl").read_text("utf-8").splitlines() if x]
    files = [r["file"] for r in truth]
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    by_url, by_feed = work / "by-url", work / "by-feed"
    with served(folder) as base:
        urls = [f"{base}/pages/{name}" for name in files]
        started = time.perf_counter()
        code, out, err = bot("add", "--corpus", str(by_url), *urls)
        url_seconds = time.perf_counter() - started
        url_lines = out.splitlines() + err.splitlines()
        for feed in ("news.rss", "news.atom"):
            bot("feeds", "add", "--corpus", str(by_feed), f"{base}/feeds/{feed}")
        started = time.perf_counter()
        _, refresh_out, _ = bot("refresh", "--corpus", str(by_feed))
        feed_seconds = time.perf_counter() - started
        from_feeds = len(load_corpus(by_feed).articles)
        _, again_out, _ = bot("add", "--corpus", str(by_feed), *urls)
        _, second_refresh, _ = bot("refresh", "--corpus", str(by_feed))
        articles = by_source(by_url, base)
        feed_articles = by_source(by_feed, base)

    print(f"pages: {len(files)} served from {folder} on 127.0.0.1")
    print(
        f"by URL: `bot add` of {len(files)} URLs: {len(articles)} added, "
        f"{sum(1 for x in url_lines if ': not added: ' in x)} failed, exit code {code}; "
        f"{url_seconds:.1f} s, {url_seconds / len(files):.2f} s a page"
    )
    print(
        f"through the feeds: `bot refresh` of news.rss and news.atom: {from_feeds} articles "
        f"({refresh_out.splitlines()[-1]}); {feed_seconds / max(from_feeds, 1):.2f} s a page"
    )
    already = sum(1 for x in again_out.splitlines() if "already in the briefing" in x)
    added = sum(1 for x in again_out.splitlines() if ": added: " in x)
    print(
        f"  then `bot add` of all {len(files)} URLs: {already} already there, {added} added "
        f"-> {len(feed_articles)} articles; a second refresh: {second_refresh.splitlines()[-1]}"
    )
    same = sum(
        1
        for name, a in articles.items()
        if name in feed_articles and feed_articles[name].body == a.body
    )
    print(f"  same text as added by URL: {same}/{len(articles)}")

    rows = []
    for record in truth:
        article = articles.get(record["file"])
        raw = (folder / "pages" / record["file"]).read_bytes()
        own = trafilatura.extract(raw, output_format="txt", include_comments=False) or ""
        row = {"record": record, "article": article, "own": own}
        stored = article.body if article else ""
        row["identical"] = article is not None and _WORD.findall(stored) == _WORD.findall(own)
        if record.get("text"):
            row["f1"] = word_prf(record["text"], stored)[2]
            row["own_f1"] = word_prf(record["text"], own)[2]
        if record.get("with") or record.get("without"):
            row["snippets"] = snippet_shares(record, stored)
            row["own_snippets"] = snippet_shares(record, own)
        rows.append(row)

    found = [r for r in rows if r["article"] is not None]
    print(f"\npages added with a title: {sum(1 for r in found if r['article'].title)}/{len(rows)}")
    print(
        "titles matching the truth (headline, an alternative, or containment): "
        f"{sum(title_matches(r['record'], r['article'].title) for r in found)}/{len(rows)}"
    )
    dated = [r for r in found if r["article"].date]
    print(
        f"dates found: {len(dated)}/{len(rows)}; matching the truth (or an accepted "
        f"alternative): {sum(date_matches(r['record'], r['article'].date) for r in dated)}"
    )
    publisher = sum(
        1
        for r in found
        if r["article"].url
        and _url_key(r["article"].url)
        in {
            _url_key(r["record"].get("url") or ""),
            _url_key(r["record"].get("canonical_url") or ""),
        }
    )
    print(
        f"URLs: {sum(1 for r in found if r['article'].url)}/{len(rows)} articles carry one; "
        f"{publisher} are the publisher's (the truth's url or canonical_url), the others the "
        "address they were fetched from"
    )
    languages = sum(1 for r in found if r["article"].extra.get("language") == r["record"]["lang"])
    print(f"language as in the truth: {languages}/{len(rows)}")
    authors = [r for r in found if r["article"].author]
    print(
        f"authors stored: {len(authors)}; containing a truth byline: "
        f"{sum(_author_matches(r['record'], r['article'].author) for r in authors)} "
        f"(of {sum(1 for r in rows if r['record'].get('author'))} pages with one)"
    )

    text_rows = [r for r in rows if "f1" in r]
    mean, own_mean = _mean([r["f1"] for r in text_rows]), _mean([r["own_f1"] for r in text_rows])
    identical = sum(r["identical"] for r in rows)
    print(f"\nextraction word-F1, mean over {len(text_rows)} pages with a full text:")
    print(f"  stored by the bot: {mean:.4f}")
    print(f"  trafilatura {trafilatura.__version__} itself: {own_mean:.4f}")
    print(
        f"  equal: {'yes' if abs(mean - own_mean) < 1e-12 else 'NO'}; texts word for word "
        f"the same as trafilatura's: {identical}/{len(rows)}"
    )
    for kind in sorted({r["record"]["truth"] for r in text_rows}):
        group = [r for r in text_rows if r["record"]["truth"] == kind]
        print(
            f"  truth {kind}: {len(group)} pages, bot {_mean([r['f1'] for r in group]):.4f}, "
            f"trafilatura {_mean([r['own_f1'] for r in group]):.4f}"
        )
    snippet_rows = [r for r in rows if "snippets" in r]
    if snippet_rows:
        found_share = _mean(
            [r["snippets"][0] for r in snippet_rows if r["snippets"][0] is not None]
        )
        absent_share = _mean(
            [r["snippets"][1] for r in snippet_rows if r["snippets"][1] is not None]
        )
        own_found = _mean(
            [r["own_snippets"][0] for r in snippet_rows if r["own_snippets"][0] is not None]
        )
        print(
            f"  {len(snippet_rows)} snippet pages: `with` found {found_share:.2f}, `without` "
            f"absent {absent_share:.2f} (trafilatura: found {own_found:.2f})"
        )
    checker = _eval_module(folder)
    if checker is not None:
        theirs = _mean(
            [
                checker.bow_prf(r["record"]["text"], r["article"].body if r["article"] else "")[2]
                for r in text_rows
            ]
        )
        print(f"  re-checked with {folder.name}/extract_eval.py bow_prf: {theirs:.4f}")

    titles = [r["article"].title for r in found]
    answers, ask_seconds = ask_titles(by_url, titles)
    per_lang: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    print(f"\ntitle questions ({len(found)}, `bot ask --json`, one batch, {ask_seconds:.1f} s):")
    for row, reply in zip(found, answers, strict=True):
        url = row["article"].url
        hits = reply.get("hits") or []
        first = bool(hits) and hits[0].get("url") == url
        anywhere = any(h.get("url") == url for h in hits)
        per_lang[row["record"]["lang"]].append((first, anywhere))
        mark = "first" if first else ("later" if anywhere else "NO")
        print(f"  {mark:<5} {row['record']['lang']} {row['record']['file']}")
    total_first = sum(f for v in per_lang.values() for f, _ in v)
    total_any = sum(a for v in per_lang.values() for _, a in v)
    print(
        f"answered with a citation linking to the page's URL: first passage {total_first}/"
        f"{len(found)} ({100 * total_first / len(found):.0f} %), any passage shown "
        f"{total_any}/{len(found)} ({100 * total_any / len(found):.0f} %)"
    )
    for lang in sorted(per_lang, key=lambda k: (k != "en", k)):
        values = per_lang[lang]
        print(
            f"  {lang}: {sum(f for f, _ in values)}/{len(values)} first, "
            f"{sum(a for _, a in values)}/{len(values)} any"
        )
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(work, keep)
        print(f"\ncorpora kept in {keep}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _url_key(url: str) -> str:
    return re.sub(r"^https?://(www\d?\.)?", "", url.strip()).rstrip("/")


def _author_matches(record: dict, author: str) -> bool:
    names = record.get("author") or []
    got = _norm(author)
    return any(_norm(n) and (_norm(n) in got or got in _norm(n)) for n in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="the html_news folder (pages, feeds, truth)")
    parser.add_argument("--keep", type=Path, help="copy the two corpora written here")
    args = parser.parse_args(argv)
    return run(args.folder, args.keep)


if __name__ == "__main__":
    sys.exit(main())
