"""`bot add`: pages fetched from a loopback server or read from files, written as articles."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.cli import main
from bot.ingest.fetch import USER_AGENT
from bot.search.corpus import load_corpus

DATA = Path(__file__).parent / "data" / "ingest"
CANONICAL = "https://coastal.example.org/news/2024/03/harbour-bridge-reopens"
HARBOUR_ID = "coastal.example.org/2024-03-02-harbour-bridge-reopens-after-repairs"


def serve(server: HTTPServer, path: str, name: str, content_type: str = "text/html") -> str:
    """Serve a fixture file at `path`; return its URL."""
    body = (DATA / name).read_bytes()
    server.expect_request(path).respond_with_data(body, content_type=content_type)
    return server.url_for(path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def article_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.txt") if not p.name.startswith("."))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return tmp_path / "briefing"


def test_add_by_url_then_ask_cites_title_outlet_date_and_url(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/pages/harbour.html", "harbour.html", "text/html; charset=utf-8")
    code, out, err = run(capsys, "add", "--corpus", str(corpus), url)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"{url}: added: {HARBOUR_ID} \u201cHarbour bridge reopens after repairs\u201d"
    )
    (path,) = article_files(corpus)
    assert path == corpus / f"{HARBOUR_ID}.txt"
    (article,) = load_corpus(corpus).articles
    assert article.title == "Harbour bridge reopens after repairs"  # site name dropped
    assert (article.outlet, article.author) == ("The Coastal Times", "Jane Doe")
    assert (article.date, article.url) == ("2024-03-02", CANONICAL)
    assert article.extra["language"] == "en"
    assert article.extra["source_url"] == url
    assert len(article.paragraphs) >= 5  # paragraphs separated by blank lines
    assert "\n\nEngineers replaced 1,200 steel cables" in path.read_text(encoding="utf-8")

    code, out, _ = run(capsys, "ask", "--corpus", str(corpus), "-k", "1", "How many cables?")
    assert code == 0
    assert "Engineers replaced 1,200 steel cables" in out
    cited = " ".join(out.split())
    assert "Harbour bridge reopens after repairs (The Coastal Times, 2024-03-02)" in cited
    assert CANONICAL in cited
    code, out, _ = run(capsys, "ask", "--json", "--corpus", str(corpus), "How many cables?")
    hit = json.loads(out)["hits"][0]
    assert (hit["url"], hit["outlet"], hit["date"]) == (
        CANONICAL,
        "The Coastal Times",
        "2024-03-02",
    )


def test_add_by_file(capsys, corpus: Path) -> None:
    code, out, _ = run(capsys, "add", "--corpus", str(corpus), str(DATA / "harbour.html"))
    assert code == 0 and ": added: " in out
    (article,) = load_corpus(corpus).articles
    assert article.url == CANONICAL and "source_url" not in article.extra


def test_the_same_url_twice_is_reported_and_not_added_again(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/pages/harbour.html", "harbour.html")
    run(capsys, "add", "--corpus", str(corpus), url)
    before = article_files(corpus)[0].read_bytes()
    code, out, _ = run(capsys, "add", "--corpus", str(corpus), url)
    assert code == 0
    title = "\u201cHarbour bridge reopens after repairs\u201d"
    assert out == f"{url}: already in the briefing, unchanged: {HARBOUR_ID} {title}\n"
    assert len(article_files(corpus)) == 1 and article_files(corpus)[0].read_bytes() == before


def test_the_same_text_at_another_url_is_not_added(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    first = serve(httpserver, "/pages/harbour.html", "harbour.html")
    copy = serve(httpserver, "/elsewhere/copy.html", "harbour-copy.html")
    code, out, _ = run(capsys, "add", "--corpus", str(corpus), first, copy)
    assert code == 0
    assert out.splitlines()[1] == (
        f"{copy}: not added again: {HARBOUR_ID} \u201cHarbour bridge reopens after repairs\u201d; "
        "the same text is there"
    )
    assert len(article_files(corpus)) == 1


def test_an_update_replaces_the_article_in_place(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/pages/harbour.html", "harbour.html")
    run(capsys, "add", "--corpus", str(corpus), url)
    httpserver.clear()
    serve(httpserver, "/pages/harbour.html", "harbour-updated.html")
    code, out, _ = run(capsys, "add", "--corpus", str(corpus), url)
    assert code == 0
    assert out.startswith(f"{url}: updated (the text had changed): {HARBOUR_ID} ")
    (path,) = article_files(corpus)
    assert "nineteen months" in path.read_text(encoding="utf-8")
    assert "eighteen months" not in path.read_text(encoding="utf-8")


def test_redirects_are_followed_and_the_fetched_url_kept(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    final = serve(httpserver, "/pages/harbour.html", "harbour.html")
    httpserver.expect_request("/old").respond_with_response(
        Response(status=301, headers={"Location": "/pages/harbour.html"})
    )
    code, _, _ = run(capsys, "add", "--corpus", str(corpus), httpserver.url_for("/old"))
    assert code == 0
    (article,) = load_corpus(corpus).articles
    assert article.extra["source_url"] == final


def expect_failure(capsys, corpus: Path, url: str, reason: str) -> None:
    code, out, err = run(capsys, "add", "--corpus", str(corpus), url)
    assert (code, out) == (1, "")
    assert err == f"error: {url}: not added: {reason}\n"
    assert article_files(corpus) == []
    assert not [p for p in corpus.rglob("*partial*")]


def test_a_redirect_loop_stops_after_five(capsys, httpserver: HTTPServer, corpus: Path) -> None:
    httpserver.expect_request("/loop").respond_with_response(
        Response(status=302, headers={"Location": "/loop"})
    )
    url = httpserver.url_for("/loop")
    expect_failure(capsys, corpus, url, "redirected more than 5 times (a redirect loop?)")
    assert len(httpserver.log) == 6


def test_a_redirect_to_another_scheme_is_refused(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    httpserver.expect_request("/away").respond_with_response(
        Response(status=302, headers={"Location": "file:///etc/passwd"})
    )
    url = httpserver.url_for("/away")
    expect_failure(
        capsys, corpus, url, "only http:// and https:// URLs can be fetched (this has file:)"
    )


def test_not_found(capsys, httpserver: HTTPServer, corpus: Path) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    expect_failure(capsys, corpus, httpserver.url_for("/gone"), "HTTP 404 NOT FOUND")


def test_a_slow_server_times_out(
    capsys, httpserver: HTTPServer, corpus: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FETCH_TIMEOUT_SECONDS", "0.3")

    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("<html><body>late</body></html>", content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    expect_failure(capsys, corpus, httpserver.url_for("/slow"), "timed out after 0.3 s")


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_a_huge_page_is_refused(
    capsys, httpserver: HTTPServer, corpus: Path, monkeypatch, declared: bool
) -> None:
    monkeypatch.setenv("MAX_PAGE_BYTES", "20000")
    body = b"<html><body>" + b"<p>word </p>" * 10_000 + b"</body></html>"
    if declared:
        httpserver.expect_request("/huge").respond_with_data(body, content_type="text/html")
        reason = f"is {len(body) / 1_000_000:.3g} MB, over the limit of 20,000 bytes"
    else:

        def chunks():
            for start in range(0, len(body), 4096):
                yield body[start : start + 4096]

        httpserver.expect_request("/huge").respond_with_response(
            Response(chunks(), content_type="text/html", direct_passthrough=True)
        )
        reason = "is over the limit of 20,000 bytes; not read further"
    expect_failure(capsys, corpus, httpserver.url_for("/huge"), reason)


def test_a_pdf_is_refused(capsys, httpserver: HTTPServer, corpus: Path) -> None:
    httpserver.expect_request("/report.pdf").respond_with_data(
        b"%PDF-1.4 ...", content_type="application/pdf"
    )
    url = httpserver.url_for("/report.pdf")
    reason = "is application/pdf, not an HTML page; only web pages can be added"
    expect_failure(capsys, corpus, url, reason)


def test_a_page_without_an_article_writes_nothing(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/app", "empty.html")
    reason = "has no article text that could be extracted; nothing written"
    expect_failure(capsys, corpus, url, reason)


def test_only_http_urls(capsys, corpus: Path) -> None:
    url = "ftp://example.org/story.html"
    reason = "only http:// and https:// URLs can be fetched (this has ftp:)"
    expect_failure(capsys, corpus, url, reason)


def test_a_missing_file_and_a_text_file(capsys, corpus: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n")
    code, out, err = run(capsys, "add", "--corpus", str(corpus), "missing.html", str(notes))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: missing.html: not added: no such file (give an http(s) URL or a saved .html page)",
        f"error: {notes}: not added: is not an HTML file (give a saved web page, .html)",
    ]


def test_one_failure_does_not_stop_the_others(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    good = serve(httpserver, "/pages/harbour.html", "harbour.html")
    code, out, err = run(capsys, "add", "--corpus", str(corpus), httpserver.url_for("/gone"), good)
    assert code == 1 and "HTTP 404" in err and f"{good}: added: " in out
    assert len(article_files(corpus)) == 1


def test_a_page_without_a_charset_is_read_as_utf8(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/pages/lighthouse.html", "quotes-no-charset.html", "text/html")
    assert run(capsys, "add", "--corpus", str(corpus), url)[0] == 0
    (article,) = load_corpus(corpus).articles
    assert "\u201cIt\u2019s the quiet I\u2019ll miss,\u201d he said" in article.body
    assert "\u00e2\u20ac" not in article.body  # the mojibake of a curly quote


def test_a_wrong_latin1_header_on_utf8_bytes_is_not_mojibake(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/l.html", "quotes-no-charset.html", "text/html; charset=ISO-8859-1")
    assert run(capsys, "add", "--corpus", str(corpus), url)[0] == 0
    assert "It\u2019s the quiet" in load_corpus(corpus).articles[0].body


def test_requests_name_the_bot(capsys, httpserver: HTTPServer, corpus: Path) -> None:
    serve(httpserver, "/pages/harbour.html", "harbour.html")
    run(capsys, "add", "--corpus", str(corpus), httpserver.url_for("/pages/harbour.html"))
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("BriefingBot/")


def test_an_interrupted_write_leaves_no_file(
    capsys, httpserver: HTTPServer, corpus: Path, monkeypatch
) -> None:
    url = serve(httpserver, "/pages/harbour.html", "harbour.html")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("bot.ingest.articles.os.replace", interrupted)
    assert main(["add", "--corpus", str(corpus), url]) == 130
    assert article_files(corpus) == []
    assert [p.name for p in corpus.rglob("*") if p.is_file()] == [".ingest.lock"]


def test_the_feed_list_and_lock_are_not_articles(
    capsys, httpserver: HTTPServer, corpus: Path
) -> None:
    url = serve(httpserver, "/pages/harbour.html", "harbour.html")
    run(capsys, "add", "--corpus", str(corpus), url)
    (corpus / "feeds.list").write_text("https://example.org/rss\n")
    assert [a.id for a in load_corpus(corpus).articles] == [HARBOUR_ID]


def test_a_corpus_folder_that_cannot_be_written(capsys, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    code, out, err = run(capsys, "add", "--corpus", str(blocked), str(DATA / "harbour.html"))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: cannot write in {blocked} (") and err.count("\n") == 1


def test_urls_compared_for_sameness() -> None:
    from bot.ingest.articles import normal_url, slug

    same = ["https://www.example.org/a/", "http://example.org/a#top", "HTTPS://EXAMPLE.ORG:443/a"]
    assert {normal_url(u) for u in same} == {"//example.org/a"}
    assert normal_url("https://example.org/a?id=2") != normal_url("https://example.org/a?id=3")
    assert normal_url("urn:valley:x") != normal_url("tag:valley:x")
    assert slug("Подольски завершил карьеру в сборной!") == "подольски-завершил-карьеру-в-сборной"
    assert slug("¿?") == "article" and len(slug("word " * 40)) <= 60
