from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import CorpusError
from bot.search.corpus import article_from_text, load_corpus, title_from_filename
from bot.search.index import SentenceIndex


def test_header_fields_and_unknown_keys(news_dir: Path) -> None:
    corpus = load_corpus(news_dir)
    harbour = next(a for a in corpus.articles if a.id == "harbour")
    assert harbour.title == "Harbour bridge reopens"
    assert harbour.outlet == "The Coastal Times"
    assert harbour.date == "2024-03-02"
    assert harbour.url == "https://example.org/harbour"
    assert harbour.extra == {"desk": "city"}


def test_markdown_heading_is_not_a_paragraph(news_dir: Path) -> None:
    harbour = next(a for a in load_corpus(news_dir).articles if a.id == "harbour")
    assert len(harbour.paragraphs) == 2
    assert harbour.paragraph_text(1).startswith("The harbour bridge reopened")


def test_heading_gives_the_title_when_the_header_does_not(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Storm warning\n\nWinds reach the coast tonight.\n")
    assert load_corpus(tmp_path).articles[0].title == "Storm warning"


def test_title_from_file_name(news_dir: Path) -> None:
    floods = next(a for a in load_corpus(news_dir).articles if a.id == "floods")
    assert floods.title == "Floods"
    assert title_from_filename(Path("aleppo-refugees_2016.txt")) == "Aleppo refugees 2016"


def test_paragraphs_are_blank_line_separated_or_one_a_line(tmp_path: Path) -> None:
    blank = article_from_text("a", "One line\nwrapped here.\n\nSecond paragraph.")
    assert [blank.paragraph_text(i) for i in (1, 2)] == [
        "One line\nwrapped here.",
        "Second paragraph.",
    ]
    lines = article_from_text("b", "First paragraph.\nSecond paragraph.\nThird.")
    assert len(lines.paragraphs) == 3


HEADLINED = (
    "Ferry strike halts island crossings\n\nFerries stayed in port on Friday. Crews want pay.\n"
)


def test_a_headline_line_is_the_title_and_not_text(tmp_path: Path) -> None:
    (tmp_path / "ferry.txt").write_text(HEADLINED, encoding="utf-8")
    (article,) = load_corpus(tmp_path).articles
    assert article.title == "Ferry strike halts island crossings"
    assert [article.paragraph_text(n) for n in range(1, len(article.paragraphs) + 1)] == [
        "Ferries stayed in port on Friday. Crews want pay."
    ]
    index = SentenceIndex.build(load_corpus(tmp_path))
    texts = [s.text for s in index.sentences_of(article)]
    assert texts == ["Ferries stayed in port on Friday.", "Crews want pay."]
    assert all(article.body[s.start : s.end] == s.text for s in index.sentences_of(article))
    assert article.body.startswith("Ferry strike halts")  # the body is kept as written


@pytest.mark.parametrize(
    ("header", "kept"),
    [("Ferry strike halts island crossings", False), ("Crossings halted", True)],
    ids=["same-title-dropped", "other-title-kept-as-text"],
)
def test_a_header_title_wins_over_a_headline(tmp_path: Path, header: str, kept: bool) -> None:
    (tmp_path / "ferry.txt").write_text(f"---\ntitle: {header}\n---\n{HEADLINED}")
    (article,) = load_corpus(tmp_path).articles
    assert article.title == header
    first = article.paragraph_text(1)
    assert (first == "Ferry strike halts island crossings") is kept


@pytest.mark.parametrize(
    "first",
    [
        "Ferries stayed in port on Friday.",  # a sentence: closing punctuation
        "Will the ferries sail again?",  # a question reads as a lede
        "By Jane Doe",  # a byline
        " ".join(["word"] * 21),  # too long for a headline
    ],
    ids=["full-stop", "question", "byline", "long"],
)
def test_first_lines_that_are_not_headlines_stay_text(first: str) -> None:
    article = article_from_text("ferry", f"{first}\n\nCrews want pay.")
    assert article.paragraph_text(1) == first
    assert article.title == "Ferry"


def test_a_headline_needs_a_blank_line_and_text_after_it() -> None:
    lines = article_from_text("ferry", "Ferry strike halts crossings\nCrews want pay.")
    assert lines.paragraph_text(1) == "Ferry strike halts crossings"
    alone = article_from_text("ferry", "Ferry strike halts crossings")
    assert alone.paragraph_text(1) == "Ferry strike halts crossings"
    headed = article_from_text("ferry", "Ferry strike halts crossings\n\nCrews want pay.")
    assert headed.title == "Ferry strike halts crossings"
    assert headed.paragraph_text(1) == "Crews want pay."


def test_bundled_article_has_no_invented_metadata() -> None:
    from tests.conftest import BUNDLED_CORPUS

    (aleppo,) = load_corpus(BUNDLED_CORPUS).articles
    assert aleppo.id == "aleppo"
    assert "Aleppo" in aleppo.title
    assert (aleppo.outlet, aleppo.date, aleppo.url) == (None, None, None)
    assert len(aleppo.paragraphs) == 4


@pytest.mark.parametrize(
    ("name", "content", "warning"),
    [
        ("latin1.txt", "caf\u00e9 au lait".encode("latin-1"), "is not UTF-8"),
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\n ", "is empty"),
        ("broken.md", b"---\ntitle: [unclosed\n---\nText.", "broken header"),
        ("unclosed.md", b"---\ntitle: x\nText without an end.", "no closing ---"),
        ("list.md", b"---\n- a\n- b\n---\nText.", "broken header"),
        ("headonly.md", b"---\ntitle: Only a header\n---\n", "header but no text"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
    ],
    ids=[
        "not-utf8",
        "empty",
        "whitespace",
        "bad-yaml",
        "unclosed",
        "yaml-list",
        "no-body",
        "binary",
    ],
)
def test_broken_files_are_reported_and_skipped(
    news_dir: Path, name: str, content: bytes, warning: str
) -> None:
    (news_dir / name).write_bytes(content)
    corpus = load_corpus(news_dir)
    assert len(corpus.articles) == 5
    (line,) = corpus.warnings
    assert name in line and warning in line and "skipped" in line


def test_other_files_and_hidden_ones_are_ignored(news_dir: Path) -> None:
    (news_dir / "notes.docx").write_bytes(b"PK\x03\x04")
    (news_dir / ".draft.txt").write_text("Not yet.")
    assert len(load_corpus(news_dir).articles) == 5


def test_articles_in_subfolders_get_path_ids(news_dir: Path) -> None:
    (news_dir / "2024").mkdir()
    (news_dir / "2024" / "floods.txt").write_text("A second flood story.")
    ids = {a.id for a in load_corpus(news_dir).articles}
    assert {"floods", "2024/floods"} <= ids


def test_same_name_different_suffix_keeps_both(news_dir: Path) -> None:
    (news_dir / "floods.md").write_text("Another article.")
    ids = [a.id for a in load_corpus(news_dir).articles]
    assert len(ids) == len(set(ids)) == 6


def test_windows_line_endings_and_bom(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_bytes("\ufeffFirst.\r\n\r\nSecond.\r\n".encode())
    (article,) = load_corpus(tmp_path).articles
    assert article.body == "First.\n\nSecond."
    assert len(article.paragraphs) == 2


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nope does not exist; create it .* CORPUS_DIR"):
        load_corpus(tmp_path / "nope")


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"No articles in .*; add .txt or .md files"):
        load_corpus(tmp_path)


def test_folder_of_broken_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    with pytest.raises(CorpusError, match=r"1 file\(s\) skipped"):
        load_corpus(tmp_path)


def test_fingerprint_follows_content(news_dir: Path) -> None:
    before = load_corpus(news_dir).fingerprint
    assert load_corpus(news_dir).fingerprint == before
    (news_dir / "floods.txt").write_text("Changed text.", encoding="utf-8")
    assert load_corpus(news_dir).fingerprint != before


def test_jsonl_archive_articles(tmp_path: Path) -> None:
    lines = [
        '{"id": "a1", "title": "Storm", "text": "Winds rose.\\n\\nTrees fell.", "source": "Wire"}',
        "",
        "not json",
        '{"id": "a2", "text": ""}',
        '["a list"]',
        '{"text": "Untitled piece.", "desk": "city"}',
    ]
    (tmp_path / "archive.jsonl").write_text("\n".join(lines), encoding="utf-8")
    corpus = load_corpus(tmp_path)
    storm, untitled = corpus.articles
    assert (storm.id, storm.title, storm.outlet, len(storm.paragraphs)) == (
        "archive/a1",
        "Storm",
        "Wire",
        2,
    )
    assert (untitled.id, untitled.extra) == ("archive/6", {"desk": "city"})
    assert [w.split(": ", 1)[1] for w in corpus.warnings] == [
        "is not valid JSON; skipped",
        'has no text (give it a "text" field); skipped',
        "is not a JSON object; skipped",
    ]
    assert "archive.jsonl line 3" in corpus.warnings[0]


# --- File safety ---


def test_article_over_the_size_limit_is_skipped_with_size_and_limit(news_dir: Path) -> None:
    big = news_dir / "huge.txt"
    paragraph = "The council met again today and talked about the harbour budget. " * 30
    with big.open("w", encoding="utf-8") as out:
        while out.tell() < 20_000_000:  # a 20 MB article
            out.write(paragraph + "\n\n")
    corpus = load_corpus(news_dir)
    assert len(corpus.articles) == 5
    (line,) = corpus.warnings
    assert line == f"{big}: is 20 MB, over the limit of 5 MB (MAX_ARTICLE_BYTES); skipped"


def test_the_size_limit_is_a_setting(news_dir: Path) -> None:
    corpus = load_corpus(news_dir, max_article_bytes=200)
    assert {a.id for a in corpus.articles} == {"orchestra", "vaccines", "budget"}
    assert f"{news_dir / 'harbour.md'}: is 416 bytes, over the limit of 200 bytes" in "".join(
        corpus.warnings
    )


def test_link_to_a_file_outside_the_corpus_is_not_followed(news_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("The launch codes are hidden under the mat.", encoding="utf-8")
    (news_dir / "leak.txt").symlink_to(secret)
    corpus = load_corpus(news_dir)
    assert "leak" not in {a.id for a in corpus.articles}
    (line,) = corpus.warnings
    assert line == (
        f"{news_dir / 'leak.txt'}: is a link to {secret.resolve()}, outside the corpus folder; "
        "not followed"
    )


def test_links_inside_the_corpus_are_followed_links_to_folders_are_not(
    news_dir: Path, tmp_path: Path
) -> None:
    (news_dir / "floods-again.txt").symlink_to(news_dir / "floods.txt")
    outside = tmp_path / "more"
    outside.mkdir()
    (outside / "extra.txt").write_text("An extra article about tides.", encoding="utf-8")
    (news_dir / "more").symlink_to(outside, target_is_directory=True)
    (news_dir / "gone.txt").symlink_to(tmp_path / "news" / "nothing-here.txt")
    corpus = load_corpus(news_dir)
    ids = {a.id for a in corpus.articles}
    assert "floods-again" in ids and "more/extra" not in ids
    assert sorted(corpus.warnings) == sorted(
        [
            f"{news_dir / 'more'}: is a link to a folder; not followed",
            f"{news_dir / 'gone.txt'}: is a link to nothing; skipped",
        ]
    )


def test_a_named_pipe_is_never_opened(news_dir: Path) -> None:
    import os

    os.mkfifo(news_dir / "pipe.txt")  # reading it would block for ever
    corpus = load_corpus(news_dir)
    assert corpus.warnings == (f"{news_dir / 'pipe.txt'}: is not a regular file; skipped",)


def test_duplicate_titles_load_both_with_a_warning(news_dir: Path) -> None:
    (news_dir / "bridge2.md").write_text(
        "---\ntitle: Harbour Bridge  reopens\n---\nTraffic returned to the bridge on Sunday.\n",
        encoding="utf-8",
    )
    corpus = load_corpus(news_dir)
    assert {"harbour", "bridge2"} <= {a.id for a in corpus.articles}
    (line,) = corpus.warnings
    assert line == (
        f"{news_dir / 'harbour.md'}: has the same title as {news_dir / 'bridge2.md'} "
        "(\u201cHarbour bridge reopens\u201d); both are loaded, but citations cannot tell them "
        "apart: give one a title of its own"
    )


@pytest.mark.parametrize(
    ("name", "article_id", "title"),
    [
        ("harbour news 2024.txt", "harbour news 2024", "Harbour news 2024"),
        ("Überschwemmung in Köln.md", "Überschwemmung in Köln", "Überschwemmung in Köln"),
        ("洪水.txt", "洪水", "洪水"),
    ],
    ids=["spaces", "umlauts", "cjk"],
)
def test_file_names_with_spaces_or_unicode(
    news_dir: Path, name: str, article_id: str, title: str
) -> None:
    (news_dir / name).write_text("The river rose by two metres overnight.", encoding="utf-8")
    article = next(a for a in load_corpus(news_dir).articles if a.id == article_id)
    assert article.title == title
    assert article.body == "The river rose by two metres overnight."


def test_folder_of_broken_files_names_them_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\x00binary")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert caught.value.warnings == (
        f"{tmp_path / 'a.txt'}: looks like a binary file, not text; skipped",
    )


def test_the_size_limit_applies_to_each_article_of_an_archive(tmp_path: Path) -> None:
    big = "word " * 400
    lines = ['{"id": "small", "text": "A short piece."}', f'{{"id": "big", "text": "{big}"}}']
    (tmp_path / "archive.jsonl").write_text("\n".join(lines), encoding="utf-8")
    corpus = load_corpus(tmp_path, max_article_bytes=1000)
    assert [a.id for a in corpus.articles] == ["archive/small"]
    (warning,) = corpus.warnings
    assert "archive.jsonl line 2: is 2,0" in warning and "MAX_ARTICLE_BYTES" in warning


def _dated(folder: Path, name: str, date: str | None) -> None:
    header = f"---\ntitle: {name} story\ndate: {date}\n---\n\n" if date else ""
    (folder / f"{name}.txt").write_text(f"{header}The {name} story has a sentence.\n")


def test_the_age_window_leaves_old_articles_out_and_keeps_undated(tmp_path: Path) -> None:
    import datetime as dt

    from bot.search.dates import newest_first, within_age

    _dated(tmp_path, "fresh", "2024-03-01T08:00:00+01:00")
    _dated(tmp_path, "stale", "2023-12-01")
    _dated(tmp_path, "mailed", "Thu, 29 Feb 2024 10:00:00 GMT")
    _dated(tmp_path, "undated", None)
    corpus = load_corpus(tmp_path)
    now = dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
    recent = within_age(corpus, 30, now)
    assert sorted(a.id for a in recent.articles) == ["fresh", "mailed", "undated"]
    assert recent.fingerprint != corpus.fingerprint
    assert within_age(corpus, 1000, now) is corpus
    assert [a.id for a in newest_first(corpus.articles)] == ["fresh", "mailed", "stale", "undated"]
    (tmp_path / "undated.txt").unlink()
    with pytest.raises(CorpusError, match=r"All 3 articles in .* are dated more than 1 days ago"):
        within_age(load_corpus(tmp_path), 1, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))


def test_max_article_age_days_applies_to_the_index(tmp_path: Path) -> None:
    import datetime as dt

    from bot.config import Settings
    from bot.reload import build_index

    today = dt.date.today()
    _dated(tmp_path, "fresh", today.isoformat())
    _dated(tmp_path, "stale", (today - dt.timedelta(days=40)).isoformat())
    settings = Settings(corpus_dir=tmp_path, index_cache=None, max_article_age_days=30)
    assert [a.id for a in build_index(settings).articles] == ["fresh"]
    assert (tmp_path / "stale.txt").exists()  # left out of the index, not deleted
