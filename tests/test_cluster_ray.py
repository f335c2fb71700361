"""The sharded index on a local Ray: the CLI's answers equal one index's, shards die and swap."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.cluster import layout, open_index
from bot.cluster.actors import NAMESPACE, actor_name, stop_all
from bot.cluster.coordinator import partial_note
from bot.config import SearchParams, Settings
from bot.reload import Reloader, build_edition
from bot.search.answer import answer
from bot.search.corpus import load_corpus
from tests.sharding import SQUAD, answers, squad

pytest.importorskip("ray")
pytestmark = pytest.mark.skipif(not SQUAD.is_file(), reason=f"no SQuAD dev set at {SQUAD}")


@pytest.fixture(autouse=True)
def _cluster(ray_session):
    """The session's Ray; the shard actors a test started are stopped after it."""
    yield ray_session
    stop_all()


@pytest.fixture
def opened() -> Iterator[list]:
    """Sharded indexes a test opens, closed after it (their shards are then stopped)."""
    indexes: list = []
    yield indexes
    for index in indexes:
        index.close()


@pytest.fixture(scope="module")
def squad_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """SQuAD dev (2,067 paragraphs) as a corpus folder holding one JSONL archive."""
    corpus, questions = squad()
    folder = tmp_path_factory.mktemp("squad") / "corpus"
    folder.mkdir()
    with (folder / "squad.jsonl").open("w", encoding="utf-8") as archive:
        for article in corpus.articles:
            record = {"id": article.id, "title": article.title, "text": article.body}
            archive.write(json.dumps(record) + "\n")
    return folder, questions


def ask_json(folder: Path, questions: list[str], monkeypatch, capsys) -> list[str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["ask", "--json", "--corpus", str(folder)]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_sharded_json_answers_equal_one_index(
    squad_folder: tuple, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    folder, questions = squad_folder
    asked = questions[::7][:300]
    single = ask_json(folder, asked, monkeypatch, capsys)
    monkeypatch.setenv("RAY_ADDRESS", "auto")  # this session's Ray is already connected
    assert main(["index", "build", "--shards", "3", "--corpus", str(folder)]) == 0
    built = capsys.readouterr().out
    assert "2,067 articles in 3 shards: 3 to build, 0 unchanged" in built
    assert "2,067 articles, 10,438 sentences in 3 shards, without sentence vectors" in built
    sharded = ask_json(folder, asked, monkeypatch, capsys)
    assert len(sharded) == len(single) == len(asked)
    assert sharded == single
    assert main(["cluster", "--corpus", str(folder)]) == 0
    status = capsys.readouterr().out
    assert "All 3 shards are up and share the statistics" in status
    assert status.count(" up") >= 3 and "10,438 sentences" in status


def test_the_sharded_semantic_answers_equal_one_index(
    squad_semantic: tuple, tmp_path: Path, opened: list
) -> None:
    corpus, questions, single, cache = squad_semantic
    encoder = single.semantic.encoder
    settings = _settings(tmp_path, index_cache=cache)
    sharded = kept(opened, open_index(settings, corpus, lambda n: encoder))
    assert answers(sharded, questions[:100]) == answers(single, questions[:100])


def test_a_killed_shard_is_restarted_and_no_question_is_lost(
    squad_folder: tuple, tmp_path: Path, ray_session, opened: list
) -> None:
    folder, questions = squad_folder
    corpus = load_corpus(folder)
    asked = questions[1::9][:60]
    # The shards `bot index build` made above (their answers equal one index's, see there).
    settings = _settings(
        tmp_path, corpus_dir=folder, shard_dir=Path(".shards"), shard_timeout=120.0
    )
    sharded = kept(opened, open_index(settings, corpus))
    expected = answers(sharded, asked)
    victim = sharded.shards.handles[1]
    before = ray_session.get(victim.info.remote())["pid"]
    got: list[str] = []

    def ask() -> None:
        for question in asked:
            got.extend(answers(sharded, [question]))

    asking = threading.Thread(target=ask)
    asking.start()
    while len(got) < 5 and asking.is_alive():
        time.sleep(0.01)
    ray_session.kill(victim, no_restart=False)  # Ray restarts it; calls it missed run again
    asking.join(timeout=300)
    assert got == expected  # every question answered, none partial
    assert ray_session.get(victim.info.remote())["pid"] != before


def test_a_stopped_shard_makes_one_answer_partial_and_is_started_again(
    news_dir: Path, tmp_path: Path, ray_session, opened: list, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = load_corpus(news_dir)
    settings = _settings(tmp_path, corpus_dir=news_dir, shard_timeout=5.0)
    sharded = kept(opened, open_index(settings, corpus))
    question = "How many residents were evacuated?"
    whole = answers(sharded, [question])
    home = sharded.shards.handles[layout.shard_of("floods", 3)]
    ray_session.kill(home, no_restart=True)  # as `bot cluster --stop` does
    assert _dies(ray_session, home)
    with caplog.at_level(logging.WARNING, logger="bot.cluster.fanout"):
        partial = answer(question, sharded)
        assert partial.partial == partial_note(1, 3) and not partial.passages
        for _ in range(60):  # the bot starts the shard again; answers are whole once it is up
            if answers(sharded, [question]) == whole:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the stopped shard was not started again")
    said = [r.getMessage() for r in caplog.records if r.name == "bot.cluster.fanout"]
    assert said[0].startswith("Shard 3 of 3 did not answer (ActorDiedError")
    assert "Shard 3 of 3 had stopped; starting it again" in said
    assert said[-1] == "Shard 3 of 3 answers again"


async def test_a_swap_during_questions_drops_none(
    news_dir: Path, tmp_path: Path, ray_session, opened: list
) -> None:
    settings = _settings(tmp_path, corpus_dir=news_dir)
    reloader = Reloader(settings, build_edition(settings))
    old = reloader.current.index.generation
    asked, failed, stop = [0], [], threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                result = answer("How many residents were evacuated?", reloader.current.index)
                assert result.passages and not result.partial
                asked[0] += 1
            except Exception as exc:
                failed.append(exc)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    (news_dir / "zoo.txt").write_text("The city zoo welcomed a baby giraffe on Tuesday.\n")
    report = await reloader.reload("test")
    time.sleep(0.5)
    stop.set()
    asking.join(timeout=60)
    assert report.ok, report.text()
    assert not failed and asked[0] > 0
    index = reloader.current.index
    opened.append(index)
    assert index.generation != old
    assert answer("When did the zoo welcome a giraffe?", index).passages[0].article.id == "zoo"
    for _ in range(100):  # the old generation's shards stop once its last question is answered
        try:
            ray_session.get_actor(actor_name(settings.shard_dir, old, 0), namespace=NAMESPACE)
        except ValueError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the previous generation's shards still run")


def _dies(ray, handle) -> bool:
    """Whether the actor is found dead within ten seconds (a kill goes by way of Ray's head)."""
    from ray.exceptions import ActorDiedError

    for _ in range(100):
        try:
            ray.get(handle.info.remote(), timeout=60)
        except ActorDiedError:
            return True
        time.sleep(0.1)
    return False


def kept(opened: list, index):
    """The index, closed when the test ends (see `opened`)."""
    opened.append(index)
    return index


def _settings(tmp_path: Path, **changes) -> Settings:
    base = Settings(
        corpus_dir=tmp_path,
        search=SearchParams(),
        ray_address="auto",
        shards=3,
        shard_dir=tmp_path / "shards",
        semantic="off",
        index_cache=None,
    )
    return replace(base, **changes)
