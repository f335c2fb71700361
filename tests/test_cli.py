from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import BUNDLED_CORPUS, REPO


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_passages_and_citations(capsys, news_dir: Path) -> None:
    code, out, err = run(
        capsys, "ask", "--corpus", str(news_dir), "-k", "1", "How many residents were evacuated?"
    )
    assert code == 0 and err == ""
    assert out.startswith("1. About 3,000 residents were evacuated")
    assert "according to the regional fire service" in out


def test_ask_uses_corpus_dir_from_the_environment(capsys, news_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORPUS_DIR", str(news_dir))
    code, out, _ = run(capsys, "ask", "evacuated residents")
    assert code == 0 and "About 3,000" in out


def test_ask_reads_corpus_dir_from_dotenv(capsys, news_dir: Path, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"CORPUS_DIR={news_dir}\nTOP_K=1\n")
    code, out, _ = run(capsys, "ask", "harbour bridge")
    assert code == 0 and out.count("\u2014 ") == 1


def test_ask_not_covered_is_not_an_error(capsys) -> None:
    code, out, _ = run(
        capsys, "ask", "--corpus", str(BUNDLED_CORPUS), "What is the population of Tokyo?"
    )
    assert code == 0
    assert out == "The briefing does not cover this. It never mentions \u201cTokyo\u201d.\n"


def test_ask_json(capsys) -> None:
    code, out, _ = run(
        capsys, "ask", "--json", "--corpus", str(BUNDLED_CORPUS), "Who controls eastern Aleppo?"
    )
    data = json.loads(out)
    assert code == 0
    assert data["question"] == "Who controls eastern Aleppo?"
    assert "controlled mostly by jihadist fighters" in data["hits"][0]["sentence"]
    assert data["hits"][0]["source"] == "the International Red Cross"


def test_ask_batch_answers_every_line(capsys, monkeypatch) -> None:
    lines = b"Who controls eastern Aleppo?\n\n\xff\xfe broken bytes\nWhat is Tokyo like?\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines)))
    code, out, _ = run(capsys, "ask", "--json", "--corpus", str(BUNDLED_CORPUS))
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert len(answers) == 4
    assert answers[0]["hits"] and not answers[1]["hits"] and not answers[3]["hits"]
    assert answers[2]["question"].endswith("broken bytes")


def test_batch_builds_the_index_once(capsys, monkeypatch) -> None:
    from bot.search.index import SentenceIndex

    built = []
    real = SentenceIndex.build
    monkeypatch.setattr(SentenceIndex, "build", lambda *a, **k: built.append(1) or real(*a, **k))
    monkeypatch.setattr(sys, "stdin", io.StringIO("Aleppo\nRussia\nAssad\n"))
    run(capsys, "ask", "--json", "--corpus", str(BUNDLED_CORPUS))
    assert built == [1]


def test_ask_text_batch_labels_questions(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who controls eastern Aleppo?\n"))
    code, out, _ = run(capsys, "ask", "--corpus", str(BUNDLED_CORPUS))
    assert code == 0 and out.startswith("Q: Who controls eastern Aleppo?\n1. ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["ask", "--corpus", "missing-folder", "q"],
            "error: Corpus folder missing-folder does not exist",
        ),
        (
            ["corpus", "--corpus", "missing-folder"],
            "error: Corpus folder missing-folder does not exist",
        ),
    ],
    ids=["ask", "corpus"],
)
def test_missing_corpus_is_one_line_and_exit_1(capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_empty_corpus_folder(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "ask", "--corpus", str(tmp_path / "empty"), "q")
    assert code == 1
    assert "No articles in" in err and "CORPUS_DIR" in err


def test_bad_setting_is_one_line_and_exit_1(capsys, monkeypatch) -> None:
    monkeypatch.setenv("TOP_K", "lots")
    code, _, err = run(capsys, "ask", "--corpus", str(BUNDLED_CORPUS), "Aleppo")
    assert (code, err) == (1, "error: TOP_K must be a whole number, got 'lots'\n")


def test_broken_article_warns_and_the_rest_answers(capsys, news_dir: Path) -> None:
    (news_dir / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    code, out, err = run(capsys, "ask", "--corpus", str(news_dir), "evacuated residents")
    assert code == 0 and "About 3,000" in out
    assert err.startswith("warning: ") and "bad.txt: is not UTF-8" in err


def test_usage_error_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ask", "--top", "99", "q"])
    assert exc.value.code == 2


def test_corpus_lists_articles(capsys) -> None:
    code, out, _ = run(capsys, "corpus", "--corpus", str(BUNDLED_CORPUS))
    assert code == 0
    assert f"{BUNDLED_CORPUS}: 1 article(s), 4 paragraphs, 15 sentences" in out
    assert "aleppo\n  title: Aleppo" in out
    assert "4 paragraphs, 15 sentences, language en" in out


def test_corpus_sentences_are_numbered_with_offsets_and_credits(capsys) -> None:
    code, out, _ = run(capsys, "corpus", "--corpus", str(BUNDLED_CORPUS), "--sentences", "aleppo")
    assert code == 0
    assert "\nparagraph 2\n" in out
    assert "    6. [" in out and "The U.N. Syria envoy Staffan de Mistura admitted" in out
    assert "\u2014 according to the International Red Cross" in out


def test_corpus_unknown_article(capsys) -> None:
    code, _, err = run(capsys, "corpus", "--corpus", str(BUNDLED_CORPUS), "--sentences", "nope")
    assert code == 1 and "No article 'nope'" in err and "known: aleppo" in err


def test_chat_answers_until_end_of_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("Who controls eastern Aleppo?\n/more\n\nTokyo?\n")
    )
    code, out, _ = run(capsys, "chat", "--corpus", str(BUNDLED_CORPUS), "-k", "1")
    assert code == 0
    assert out.count("1. ") == 1 and "2. " in out
    assert "does not cover" in out


def test_python_dash_m_bot_works() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "ask",
            "--corpus",
            str(BUNDLED_CORPUS),
            "How many people fled Aleppo?",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "At least 20,000 people have fled their homes" in result.stdout
