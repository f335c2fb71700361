from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import SearchParams
from bot.search.corpus import load_corpus
from bot.search.index import SentenceIndex

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"
SETTINGS_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "CORPUS_DIR",
    "TOP_K",
    "BM25_K1",
    "BM25_B",
    "BM25_EPSILON",
    "MIN_COVERAGE",
    "NO_COLOR",
    "TELEGRAM_BASE_URL",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_SECRET",
    "LOG_LEVEL",
    "INDEX_CACHE_DIR",
    "ADMIN_USER_IDS",
    "ALLOWED_CHAT_IDS",
    "MAX_ARTICLE_BYTES",
    "RATE_LIMIT_PER_SECOND",
    "RATE_LIMIT_PER_GROUP_MINUTE",
    "SEMANTIC",
    "SEMANTIC_MODEL",
    "SEMANTIC_MODEL_FILE",
    "MODEL_CACHE_DIR",
    "SEMANTIC_MAX_SENTENCES",
    "SEMANTIC_LANGUAGES",
    "HF_ENDPOINT",
    "FEED_REFRESH_MINUTES",
    "MAX_ARTICLE_AGE_DAYS",
    "GAPS_LOG",
    "FETCH_TIMEOUT_SECONDS",
    "MAX_PAGE_BYTES",
    "RAY_ADDRESS",
    "SHARDS",
    "SHARD_DIR",
    "SHARD_TIMEOUT_SECONDS",
)
# The semantic stage's model, present in CI and on the developers' machines (never copied here).
SHARED_MODEL = REPO.parent / "shared" / "models" / "all-MiniLM-L6-v2-onnx"

# A tiny newsroom: five articles with mostly distinct words and known answers.
NEWS = {
    "harbour.md": """---
title: Harbour bridge reopens
outlet: The Coastal Times
date: 2024-03-02
url: https://example.org/harbour
desk: city
---

# Harbour bridge reopens

The harbour bridge reopened on Saturday after eighteen months of repairs. Engineers replaced 1,200 steel cables, according to the Port Authority.

Mayor Linda Okafor told reporters the work cost 45 million dollars. She says traffic will return to normal by April.
""",
    "floods.txt": """Heavy rain flooded the valley villages overnight. About 3,000 residents were evacuated, the regional fire service said.

"The water rose faster than anyone expected. We had minutes to leave," a farmer from Millbrook told the BBC.
""",
    "budget.txt": """---
title: Council budget vote delayed
---
The council postponed its budget vote. Opposition leader Tomas Berg admitted the coalition lacked the votes.

This is the third delay since January.
""",
    "orchestra.txt": """The city orchestra announced a summer festival of free concerts in public parks.
Tickets are not needed.
""",
    "vaccines.txt": """A new clinic offers flu vaccines to pensioners. Nurses expect queues on Monday mornings.
""",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the developer's shell or a .env in the working directory."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    # Saved indexes go to this test's folder, never into the repository's corpus/.
    monkeypatch.setenv("INDEX_CACHE_DIR", str(tmp_path / "index-cache"))
    # Lexical unless a test asks for the semantic stage; never a download from the Hub.
    monkeypatch.setenv("SEMANTIC", "off")
    monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _no_retry_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send retries without their pauses, so that fault tests do not sleep."""
    monkeypatch.setattr("bot.telegram_edge.delivery.RETRY_DELAYS", (0.0, 0.0, 0.0, 0.0))


@pytest.fixture
def news_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    for name, text in NEWS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def news_index(news_dir: Path) -> SentenceIndex:
    return SentenceIndex.build(load_corpus(news_dir))


@pytest.fixture(scope="session")
def aleppo_index() -> SentenceIndex:
    return SentenceIndex.build(load_corpus(BUNDLED_CORPUS), SearchParams())


def sentence_with(index: SentenceIndex, fragment: str):
    """The one sentence of `index` containing `fragment`."""
    found = [index.sentence(i) for i in range(len(index)) if fragment in index.sentence(i).text]
    assert len(found) == 1, f"{fragment!r} in {len(found)} sentences"
    return found[0]


@pytest.fixture
def fake():
    """A recording stand-in for the Bot API (see tests/telegram_fakes.py)."""
    from tests.telegram_fakes import RecordingRequest

    return RecordingRequest()


@pytest.fixture
async def app(fake, aleppo_index) -> AsyncIterator:
    """The bot on the bundled corpus, initialised against `fake`."""
    from tests.telegram_fakes import started

    application = await started(fake, aleppo_index)
    yield application
    await application.shutdown()


@pytest.fixture(scope="session")
def squad_semantic(tmp_path_factory: pytest.TempPathFactory):
    """SQuAD dev's first 80 paragraphs as one semantic index, its vectors saved (encoded once).

    Returns (corpus, questions, index, cache folder); sharded builds reuse the vectors there,
    so that both indexes compare questions with the same vectors.
    """
    if not SHARED_MODEL.is_dir():
        pytest.skip(f"the shared model is not at {SHARED_MODEL}")
    from bot.search import store
    from bot.search.embed import Encoder
    from tests.sharding import SQUAD, squad

    if not SQUAD.is_file():
        pytest.skip(f"no SQuAD dev set at {SQUAD}")
    corpus, questions = squad(80)
    cache = tmp_path_factory.mktemp("squad-semantic")
    encoder = Encoder(SHARED_MODEL)
    params = SearchParams()
    index = SentenceIndex.build(corpus, params)
    saved = store.save(index, cache, store.cache_key(corpus, params))
    return corpus, questions, store.with_vectors(index, encoder, cache, saved), cache


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray for the whole test session (two CPUs, no dashboard); shut down at the end."""
    ray = pytest.importorskip("ray")
    import os

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if not ray.is_initialized():
        ray.init(
            address="local",  # a new one, never a cluster already running on the machine
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            namespace="tests",
        )
    yield ray
    ray.shutdown()
