"""Feeds: the list in the corpus folder, `bot feeds`, and `bot refresh` over a loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.cli import main
from bot.ingest.feeds import FEED_LIST, STATE_FILE, read_list
from bot.search.corpus import load_corpus

DATA = Path(__file__).parent / "data" / "ingest"
PAGES = {
    "/pages/festival.html": "festival.html",
    "/pages/clinic.html": "clinic.html",
    "/pages/harbour.html": "harbour.html",
    "/pages/quotes-no-charset.html": "quotes-no-charset.html",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return tmp_path / "briefing"


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    """The pages and the two feeds (served with ETags, answering 304 to a matching one)."""
    for path, name in PAGES.items():
        body = (DATA / name).read_bytes()
        httpserver.expect_request(path).respond_with_data(body, content_type="text/html")
    for path, name, kind in (
        ("/feeds/news.rss", "feed.rss", "application/rss+xml"),
        ("/feeds/news.atom", "feed.atom", "application/atom+xml"),
        ("/feeds/broken.rss", "broken.rss", "application/rss+xml"),
    ):
        httpserver.expect_request(path).respond_with_handler(_conditional(DATA / name, kind))
    return httpserver


def _conditional(file: Path, kind: str):
    etag = f'"v1-{file.name}"'

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(file.read_bytes(), content_type=kind, headers={"ETag": etag})

    return handler


def add_feeds(capsys, corpus: Path, site: HTTPServer, *paths: str) -> None:
    for path in paths:
        code, _, err = run(capsys, "feeds", "add", "--corpus", str(corpus), site.url_for(path))
        assert (code, err) == (0, "")


def test_feeds_add_checks_and_lists_the_feed(capsys, corpus: Path, site: HTTPServer) -> None:
    url = site.url_for("/feeds/news.rss")
    code, out, _ = run(capsys, "feeds", "add", "--corpus", str(corpus), url)
    assert code == 0
    assert out == f"listed {url}: \u201cValley News\u201d, 2 entries; `bot refresh` adds them\n"
    assert read_list(corpus) == [url]
    text = (corpus / FEED_LIST).read_text()
    assert text.startswith("# Feeds (RSS or Atom)") and text.endswith(f"\n{url}\n")
    code, _, err = run(capsys, "feeds", "add", "--corpus", str(corpus), url)
    assert (code, err) == (1, "error: is already listed\n")


def test_a_page_is_not_a_feed(capsys, corpus: Path, site: HTTPServer) -> None:
    url = site.url_for("/pages/harbour.html")
    code, _, err = run(capsys, "feeds", "add", "--corpus", str(corpus), url)
    assert code == 1 and err.startswith("error: is not a readable RSS or Atom feed (")
    assert read_list(corpus) == []


def test_refresh_adds_entries_with_relative_links_and_prints_a_summary(
    capsys, corpus: Path, site: HTTPServer
) -> None:
    add_feeds(capsys, corpus, site, "/feeds/news.rss", "/feeds/news.atom")
    code, out, err = run(capsys, "refresh", "--corpus", str(corpus))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    rss, atom = site.url_for("/feeds/news.rss"), site.url_for("/feeds/news.atom")
    assert lines[0] == f"{rss}: 2 entries, 1 added, 0 already there, 1 failed"
    assert lines[1].startswith(f"  {site.url_for('/pages/festival.html')}: added: ")
    # "pages/clinic.html" is relative to the feed's own URL.
    assert lines[2].startswith(f"  {site.url_for('/feeds/pages/clinic.html')}: not added: ")
    articles = load_corpus(corpus).articles
    titles = {a.title for a in articles}
    assert "Orchestra plans summer festival in the parks" in titles
    assert "Harbour bridge reopens after repairs" in titles
    festival = next(a for a in articles if a.title.startswith("Orchestra"))
    assert festival.extra["feed"] == rss and festival.extra["entry_id"] == "urn:valley:festival"
    assert lines[-1].startswith("Refreshed 2 feeds in ")
    assert lines[-1].endswith(
        ": 3 added, 0 updated, 1 page(s) failed, 0 feed(s) could not be read."
    )
    assert any(line.startswith(f"{atom}: 2 entries, 2 added") for line in lines)


def test_an_unchanged_feed_is_asked_conditionally_and_answers_304(
    capsys, corpus: Path, site: HTTPServer
) -> None:
    add_feeds(capsys, corpus, site, "/feeds/news.atom")
    run(capsys, "refresh", "--corpus", str(corpus))
    state = json.loads((corpus / STATE_FILE).read_text())
    atom = site.url_for("/feeds/news.atom")
    assert state[atom]["etag"] == '"v1-feed.atom"'
    code, out, _ = run(capsys, "refresh", "--corpus", str(corpus))
    assert code == 0
    assert out.splitlines()[0] == f"{atom}: not modified since the last check"
    request, response = site.log[-1]
    assert request.headers["If-None-Match"] == '"v1-feed.atom"' and response.status_code == 304


def test_a_broken_feed_stops_nothing_else(capsys, corpus: Path, site: HTTPServer) -> None:
    add_feeds(capsys, corpus, site, "/feeds/news.atom")
    broken = site.url_for("/feeds/broken.rss")
    with (corpus / FEED_LIST).open("a") as file:  # an editor's hand edit, unchecked
        file.write(f"{broken}   # the valley desk\n")
    code, out, _ = run(capsys, "refresh", "--corpus", str(corpus))
    assert code == 1
    assert f"{broken}: failed: is not a readable RSS or Atom feed (" in out
    assert len(load_corpus(corpus).articles) == 2
    assert out.splitlines()[-1].endswith(
        "2 added, 0 updated, 0 page(s) failed, 1 feed(s) could not be read."
    )


def test_failed_pages_are_tried_again_next_time(
    capsys, corpus: Path, httpserver: HTTPServer
) -> None:
    feed = (DATA / "feed.rss").read_bytes()
    httpserver.expect_request("/rss").respond_with_data(
        feed, content_type="application/rss+xml", headers={"ETag": '"same"'}
    )
    festival = (DATA / "festival.html").read_bytes()
    httpserver.expect_request("/pages/festival.html").respond_with_data(
        festival, content_type="text/html"
    )
    add_feeds(capsys, corpus, httpserver, "/rss")
    code, out, _ = run(capsys, "refresh", "--corpus", str(corpus))
    assert code == 0 and "1 page(s) failed" in out  # pages/clinic.html is not served yet
    url = httpserver.url_for("/rss")
    assert "etag" not in json.loads((corpus / STATE_FILE).read_text())[url]
    httpserver.expect_request("/pages/clinic.html").respond_with_data(
        (DATA / "clinic.html").read_bytes(), content_type="text/html"
    )
    code, out, _ = run(capsys, "refresh", "--corpus", str(corpus))
    assert code == 0
    assert out.splitlines()[0] == f"{url}: 2 entries, 1 added, 1 already there"
    assert json.loads((corpus / STATE_FILE).read_text())[url]["etag"] == '"same"'


def test_feeds_lists_checks_and_counts_then_remove(capsys, corpus: Path, site: HTTPServer) -> None:
    add_feeds(capsys, corpus, site, "/feeds/news.rss", "/feeds/news.atom")
    code, out, _ = run(capsys, "feeds", "--corpus", str(corpus))
    rss, atom = site.url_for("/feeds/news.rss"), site.url_for("/feeds/news.atom")
    assert out == (
        f"1. {rss}\n   not checked yet; 0 article(s) in the corpus\n"
        f"2. {atom}\n   not checked yet; 0 article(s) in the corpus\n"
    )
    run(capsys, "refresh", "--corpus", str(corpus))
    code, out, _ = run(capsys, "feeds", "--corpus", str(corpus))
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("   last checked 20") and lines[1].endswith(
        ": 2 entries, 1 failed; 1 article(s) in the corpus"
    )
    assert lines[3].endswith(": 2 entries; 2 article(s) in the corpus")
    code, out, _ = run(capsys, "feeds", "remove", "--corpus", str(corpus), "1")
    assert out == f"removed {rss} from the feed list; its articles stay in the corpus\n"
    assert read_list(corpus) == [atom]
    assert len(load_corpus(corpus).articles) == 3
    code, _, err = run(capsys, "feeds", "remove", "--corpus", str(corpus), rss)
    assert (code, err) == (1, "error: is not in the feed list (see `bot feeds`)\n")


def test_refresh_without_feeds_says_how_to_add_one(capsys, corpus: Path) -> None:
    code, out, _ = run(capsys, "refresh", "--corpus", str(corpus))
    assert code == 0
    assert out == f"No feeds in {corpus / FEED_LIST}; add one with: bot feeds add URL\n"


def test_the_feed_list_keeps_comments_and_ignores_them(tmp_path: Path) -> None:
    (tmp_path / FEED_LIST).write_text(
        "# my feeds\nhttps://a.example/rss  # A\n\n  https://b.example/atom\nhttps://a.example/rss\n"
    )
    assert read_list(tmp_path) == ["https://a.example/rss", "https://b.example/atom"]
