"""The sharded index without Ray: shards built and asked in this process answer as one index."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.cluster import layout
from bot.cluster.coordinator import LocalShards, ShardedIndex, partial_note
from bot.config import SearchParams
from bot.errors import ClusterError
from bot.i18n import translator
from bot.render import answer_json, render_html, render_text
from bot.search import semantic
from bot.search.answer import answer
from bot.search.corpus import Corpus, article_from_text, load_corpus
from bot.search.index import SentenceIndex
from tests.sharding import SQUAD, answers, hits, sharded_here, squad


@pytest.fixture(scope="module")
def squad_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """SQuAD dev (2,067 paragraphs as articles) as one index and as three shards here."""
    if not SQUAD.is_file():
        pytest.skip(f"no SQuAD dev set at {SQUAD}")
    corpus, questions = squad()
    single = SentenceIndex.build(corpus)
    sharded = sharded_here(corpus, tmp_path_factory.mktemp("shards"), 3)
    return single, sharded, questions


def test_sharded_answers_equal_one_index(squad_pair: tuple) -> None:
    single, sharded, questions = squad_pair
    asked = questions[::7][:300]
    assert answers(sharded, asked) == answers(single, asked)
    for question in asked[:100]:  # unrounded: every score, coverage and matched stem
        assert hits(sharded, question) == hits(single, question), question
    paged = [answer_json(answer(q, sharded, 3, offset=3)) for q in asked[:40]]
    assert paged == [answer_json(answer(q, single, 3, offset=3)) for q in asked[:40]]


def test_every_sentence_keeps_its_place_and_credit(squad_pair: tuple) -> None:
    single, sharded, _ = squad_pair
    assert len(sharded) == len(single) and sharded.names == single.names
    for i in range(0, len(single), 97):
        a, b = single.sentence(i), sharded.sentence(i)
        assert (a.text, a.paragraph, a.number, a.source) == (
            b.text,
            b.paragraph,
            b.number,
            b.source,
        )


@pytest.mark.parametrize("routed", [False, True], ids=["every sentence", "routed"])
def test_sharded_semantic_answers_equal_one_index(
    squad_semantic: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routed: bool
) -> None:
    from bot.search import store

    corpus, questions, single, cache = squad_semantic
    encoder = single.semantic.encoder
    if routed:  # compare a question with the sentences of a few articles only, as big ones do
        monkeypatch.setattr(semantic, "EXACT_MAX", 0)
        monkeypatch.setattr(semantic, "ROUTED_ARTICLES", 6)
        saved = cache / f"index-{store.cache_key(corpus, SearchParams())}"
        single = store.with_vectors(SentenceIndex.build(corpus), encoder, cache, saved)
        assert single.semantic.vectors._full is None
    lines = []
    sharded = sharded_here(
        corpus, tmp_path / "shards", 3, encoder=encoder, reuse=(cache,), say=lines.append
    )
    assert "sentence vectors: 0 distinct sentences to encode" in lines  # reused, not encoded
    assert answers(sharded, questions) == answers(single, questions)
    for question in questions[:60]:
        assert hits(sharded, question) == hits(single, question), question


def many_languages() -> Corpus:
    """Nine short articles, three each in English, Russian and German."""
    texts = {
        "en": [
            (
                "bridge",
                "The harbour bridge reopened on Monday after repairs.\n\n"
                "Ferries ran a reduced timetable during the works, officials said.",
            ),
            (
                "budget",
                "The council approved a budget of 40 million pounds.\n\n"
                "Most of the money will go to schools and roads.",
            ),
            (
                "storm",
                "A storm cut power to 20,000 homes on Friday.\n\n"
                "Crews restored electricity within two days, the utility said.",
            ),
        ],
        "ru": [
            (
                "most",
                "Новый мост через реку открыли в понедельник.\n\n"
                "Паромы ходили реже, пока шёл ремонт.",
            ),
            (
                "byudzhet",
                "Городской совет утвердил бюджет в 40 миллионов рублей.\n\n"
                "Большая часть денег пойдёт на школы и дороги.",
            ),
            (
                "burya",
                "Буря оставила без света 20 000 домов в пятницу.\n\n"
                "По словам энергетиков, свет вернули за два дня.",
            ),
        ],
        "de": [
            (
                "bruecke",
                "Die Hafenbrücke wurde am Montag nach Reparaturen wieder geöffnet.\n\n"
                "Während der Arbeiten fuhren die Fähren seltener.",
            ),
            (
                "haushalt",
                "Der Stadtrat hat einen Haushalt von 40 Millionen Euro beschlossen.\n\n"
                "Das meiste Geld geht an Schulen und Straßen.",
            ),
            (
                "sturm",
                "Ein Sturm hat am Freitag 20.000 Haushalte vom Strom abgeschnitten.\n\n"
                "Laut dem Versorger war der Strom nach zwei Tagen zurück.",
            ),
        ],
    }
    return Corpus(
        tuple(
            article_from_text(f"{code}-{slug}", text, language=code)
            for code, articles in texts.items()
            for slug, text in articles
        )
    )


def test_sharded_answers_equal_one_index_in_many_languages(tmp_path: Path) -> None:
    """Each language keeps its own statistics across shards; a reader's missing language too."""
    corpus = many_languages()
    single = SentenceIndex.build(corpus)
    sharded = sharded_here(corpus, tmp_path / "shards", 3)
    assert len({layout.shard_of(a.id, 3) for a in corpus.articles}) == 3
    questions = [
        "When did the harbour bridge reopen?",
        "How many homes lost power?",
        "Когда открыли мост?",
        "Сколько домов осталось без света?",
        "Wann wurde die Hafenbrücke geöffnet?",
        "Wie viele Haushalte waren ohne Strom?",
        "¿Cuándo se reabrió el puente del puerto?",  # no Spanish article: the others, labelled
        "Quel est le budget du conseil municipal ?",
    ]
    assert answers(sharded, questions) == answers(single, questions)
    for question in questions:
        assert hits(sharded, question) == hits(single, question), question
    russian = answer("Когда открыли мост?", sharded)
    assert russian.passages and russian.passages[0].article.id == "ru-most"


def test_a_shard_that_does_not_reply_makes_the_answer_partial(
    news_dir: Path, tmp_path: Path
) -> None:
    sharded = sharded_here(load_corpus(news_dir), tmp_path / "shards", 3)
    whole = answer("How many residents were evacuated?", sharded)
    assert whole.passages and whole.partial is None
    home = layout.shard_of("floods", 3)

    class Down(LocalShards):
        def call(self, requests: list) -> list:
            replies = super().call(requests)
            replies[home] = None
            return replies

    sharded.shards = Down(sharded.shards.shards)
    result = answer("How many residents were evacuated?", sharded)
    note = partial_note(1, 3)
    assert result.partial == note
    assert note.english().startswith("Partial answer: 1 of the archive's 3 shards did not reply")
    assert "floods" not in [p.article.id for p in result.passages]
    assert render_text(result).startswith(note.english())
    assert render_html(result)[0].startswith(f"<i>{html.escape(note.english())}</i>")
    assert answer_json(result)["partial"] == note.english()
    spanish = answer_json(result, translator("es"))["partial"]
    assert spanish.startswith("Respuesta parcial") and "1" in spanish and "3" in spanish

    class AllDown(LocalShards):
        def call(self, requests: list) -> list:
            return [None] * self.count

    sharded.shards = AllDown(sharded.shards.shards)
    with pytest.raises(ClusterError, match="none of the archive's 3 shards replied"):
        answer("How many residents were evacuated?", sharded)


def test_a_rebuild_touches_only_the_shards_that_changed(squad_pair: tuple, tmp_path: Path) -> None:
    """Past Punkt's megabyte of training text, a new article changes its own shard only."""
    single, sharded = squad_pair[:2]
    folder = tmp_path / "shards"
    shutil.copytree(sharded.folder, folder)
    before = {p.name for p in folder.glob("index-*")}
    zoo = article_from_text("zoo", "The city zoo welcomed a baby giraffe on Tuesday.")
    corpus = Corpus((*single.corpus.articles, zoo))
    lines: list[str] = []
    grown = sharded_here(corpus, folder, 3, say=lines.append)
    assert lines[0] == "2,068 articles in 3 shards: 1 to build, 2 unchanged"
    after = {p.name for p in folder.glob("index-*")}
    assert len(before & after) == 3 and len(after - before) == 1  # the old one kept a while
    questions = ["When did the zoo welcome a giraffe?", "Who designed the Tower?"]
    assert answers(grown, questions) == answers(SentenceIndex.build(corpus), questions)
    manifest = layout.Manifest.read(folder)
    assert manifest.corpus == corpus.fingerprint and manifest.sentences == len(grown)


def test_two_generations_are_kept_at_most(news_dir: Path, tmp_path: Path) -> None:
    """The one answering and the one before it (a bot may still answer from it)."""
    folder = tmp_path / "shards"
    kept = []
    for name in ("zoo", "mill", "lake"):
        sharded_here(load_corpus(news_dir), folder, 2)
        kept.append({p.name for p in folder.iterdir() if not p.name.startswith(".")})
        (news_dir / f"{name}.txt").write_text(f"The {name} reopened on Monday after repairs.\n")
    assert kept[1] > kept[0] - {layout.MANIFEST}  # the first generation is kept beside the second
    assert not kept[2] & (kept[0] - {layout.MANIFEST})  # and gone after the third


def test_more_shards_than_articles_leaves_some_empty(tmp_path: Path) -> None:
    corpus = Corpus(
        (
            article_from_text("lake", "The lake froze early this winter. Skaters came at dawn."),
            article_from_text("mill", "The old mill reopened as a museum. Visitors paid nothing."),
        )
    )
    sharded = sharded_here(corpus, tmp_path / "shards", 5)
    sizes = [e.sentences for e in layout.Manifest.read(tmp_path / "shards").shards]
    assert sizes.count(0) >= 3
    questions = ["When did the lake freeze?", "What did visitors pay at the museum?", "Zebras?"]
    assert answers(sharded, questions) == answers(SentenceIndex.build(corpus), questions)


def test_articles_go_to_shards_by_a_stable_hash_of_their_id() -> None:
    # The same on every machine and in every run: a changed hash would reshuffle every shard.
    assert [layout.shard_of(name, 4) for name in ("aleppo", "x", "y", "a/b/7")] == [0, 2, 3, 0]
    counts = np.bincount([layout.shard_of(f"article-{n}", 4) for n in range(4000)])
    assert counts.min() > 900  # spread evenly


def test_a_manifest_of_another_version_is_not_read(tmp_path: Path) -> None:
    entry = layout.ShardEntry("abc", 2, 10, 100)
    manifest = layout.Manifest("gen", "corpus", "settings", None, "punkt", (entry,), 10, "now")
    manifest.write(tmp_path)
    assert layout.Manifest.read(tmp_path) == manifest
    record = json.loads((tmp_path / layout.MANIFEST).read_text())
    (tmp_path / layout.MANIFEST).write_text(json.dumps({**record, "format": 0}))
    assert layout.Manifest.read(tmp_path) is None
    (tmp_path / layout.MANIFEST).write_text("{broken")
    assert layout.Manifest.read(tmp_path) is None


def test_the_bot_holds_no_postings(squad_pair: tuple) -> None:
    _, sharded, _ = squad_pair
    assert isinstance(sharded, ShardedIndex) and sharded.remote
    with pytest.raises(ClusterError, match="scores on its shards"):
        sharded.scores(["water"])


def test_bot_cluster_says_when_there_is_no_cluster(capsys: pytest.CaptureFixture) -> None:
    from bot.cli import main

    assert main(["cluster"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: RAY_ADDRESS is not set: the index lives in the bot's process")


@pytest.mark.parametrize("command", [["cluster"], ["index", "build", "--shards", "2"]])
def test_without_ray_installed_a_cluster_command_says_so_in_one_line(
    command: list[str],
    news_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    import sys

    from bot.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    monkeypatch.setenv("RAY_ADDRESS", "auto")
    assert main([*command, "--corpus", str(news_dir)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "error: Ray is not installed: a sharded index needs the cluster extra "
        "(pip install 'briefing-bot[cluster]'; see README, Scale)"
    )


def test_bot_index_build_saves_the_index(news_dir: Path, capsys: pytest.CaptureFixture) -> None:
    from bot.cli import main

    assert main(["index", "build", "--corpus", str(news_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 articles, 15 sentences indexed in ") and "index-cache" in out
    assert list((Path.cwd() / "index-cache").glob("index-*"))  # INDEX_CACHE_DIR of the test


async def test_the_telegram_bot_answers_from_shards(tmp_path: Path, fake) -> None:
    from bot.telegram_edge.texts import UNAVAILABLE
    from tests import telegram_fakes as tf
    from tests.conftest import BUNDLED_CORPUS
    from tests.test_render import visible

    sharded = sharded_here(load_corpus(BUNDLED_CORPUS), tmp_path / "shards", 2)
    app = await tf.started(fake, sharded)
    question = "How many people fled Aleppo?"
    try:
        await app.process_update(tf.update(app, message=tf.message(question)))
        shown = visible(fake.sent("sendMessage")[-1]["text"])
        assert "At least 20,000 people have fled" in shown
        assert "according to the International Red Cross" in shown
        empty = 1 - layout.shard_of(sharded.articles[0].id, 2)  # the shard with no article

        class Down(LocalShards):
            def call(self, requests: list) -> list:
                replies = super().call(requests)
                replies[empty] = None
                return replies

        sharded.shards = Down(sharded.shards.shards)
        await app.process_update(tf.update(app, 2, message=tf.message(question, message_id=101)))
        text = fake.sent("sendMessage")[-1]["text"]
        note = html.escape(partial_note(1, 2).english())
        assert text.startswith(f"<i>{note}</i>\n\n<blockquote>")

        class AllDown(LocalShards):
            def call(self, requests: list) -> list:
                return [None] * self.count

        sharded.shards = AllDown(sharded.shards.shards)
        await app.process_update(tf.update(app, 3, message=tf.message(question, message_id=102)))
        assert fake.sent("sendMessage")[-1]["text"].startswith(html.escape(UNAVAILABLE))
    finally:
        await app.shutdown()
