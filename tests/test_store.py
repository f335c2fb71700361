from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.config import SearchParams
from bot.search import store
from bot.search.index import SentenceIndex

QUESTION = "How many residents were evacuated?"


def answers(index: SentenceIndex) -> list[tuple[int, float]]:
    return [(h.sentence.id, round(h.score, 9)) for h in index.search(QUESTION, 5).hits]


@pytest.fixture
def no_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count index builds (the real build still runs)."""
    built: list[int] = []
    real = SentenceIndex.build.__func__

    def counting(cls, *args, **kwargs):
        built.append(1)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(SentenceIndex, "build", classmethod(counting))
    return built


def test_a_restart_loads_the_saved_index(news_dir: Path, no_builds: list[int]) -> None:
    first = store.load_or_build(news_dir, SearchParams())
    (saved,) = (news_dir / ".index-cache").glob("index-*")
    assert json.loads((saved / "meta.json").read_text())["sentences"] == len(first)
    again = store.load_or_build(news_dir, SearchParams())
    assert no_builds == [1]
    assert answers(again) == answers(first)
    assert again.sentence(3).source == first.sentence(3).source


def test_a_changed_corpus_or_setting_builds_anew(news_dir: Path, no_builds: list[int]) -> None:
    store.load_or_build(news_dir, SearchParams())
    (news_dir / "floods.txt").write_text("The river burst its banks at dawn.", encoding="utf-8")
    changed = store.load_or_build(news_dir, SearchParams())
    assert no_builds == [1, 1]
    assert (
        "river burst"
        in changed.sentence(changed.search("river burst banks", 1).hits[0].sentence.id).text
    )
    assert len(list((news_dir / ".index-cache").glob("index-*"))) == 1  # the old one is gone
    store.load_or_build(news_dir, SearchParams(k1=1.2))
    assert len(no_builds) == 3


@pytest.mark.parametrize(
    "damage",
    ["meta", "truncated", "missing", "pickled"],
    ids=["broken-meta", "truncated-array", "missing-array", "object-array"],
)
def test_a_damaged_saved_index_is_rebuilt(
    news_dir: Path, no_builds: list[int], caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    first = store.load_or_build(news_dir, SearchParams())
    (saved,) = (news_dir / ".index-cache").glob("index-*")
    docs = saved / "sentences.docs.npy"
    if damage == "meta":
        (saved / "meta.json").write_text("{not json")
    elif damage == "truncated":
        docs.write_bytes(docs.read_bytes()[:100])
    elif damage == "missing":
        docs.unlink()
    else:
        np.save(docs, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with caplog.at_level(logging.WARNING):
        again = store.load_or_build(news_dir, SearchParams())
    assert no_builds == [1, 1]
    assert "unusable" in caplog.text
    assert answers(again) == answers(first)


def test_no_cache_when_asked(news_dir: Path) -> None:
    store.load_or_build(news_dir, SearchParams(), cache_dir=None)
    assert not (news_dir / ".index-cache").exists()


def test_an_unwritable_cache_only_warns(
    news_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING):
        index = store.load_or_build(news_dir, SearchParams(), cache_dir=blocker / "cache")
    assert index.search(QUESTION, 1).hits
    assert "Could not save the index" in caplog.text


def test_the_cache_folder_is_not_read_as_articles(news_dir: Path) -> None:
    store.load_or_build(news_dir, SearchParams())
    index = store.load_or_build(news_dir, SearchParams())
    assert len(index.articles) == 5
