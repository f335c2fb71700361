"""The benchmark scripts run end to end on tiny data made here (the real data stays outside)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SHARED_MODEL

CONTEXTS = [
    "The harbour bridge reopened on Saturday after long repairs. Engineers replaced 1,200 "
    "cables. The mayor said traffic will return to normal by April.",
    "Heavy rain flooded the valley overnight. About 3,000 residents were evacuated by the fire "
    "service. Farmers lost their barley crops.",
    "The orchestra announced a summer festival of free concerts. Tickets are not needed. The "
    "concerts start in June in the city parks.",
]
QUESTIONS = [
    (0, "How many cables did engineers replace?", "1,200"),
    (0, "When will traffic return to normal?", "April"),
    (1, "How many residents were evacuated?", "3,000"),
    (1, "What did the farmers lose?", "barley"),
    (2, "When do the concerts start?", "June"),
]


def squad(path: Path) -> Path:
    paragraphs = [{"context": c, "qas": []} for c in CONTEXTS]
    for n, (p, question, answer) in enumerate(QUESTIONS):
        start = CONTEXTS[p].index(answer)
        paragraphs[p]["qas"].append(
            {
                "id": str(n),
                "question": question,
                "answers": [{"text": answer, "answer_start": start}],
            }
        )
    data = {
        "data": [{"title": f"Article_{i}", "paragraphs": [p]} for i, p in enumerate(paragraphs)]
    }
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def quality(*args: str) -> subprocess.CompletedProcess:
    """Run bench/quality.py with `args`; it must succeed."""
    done = subprocess.run(
        [sys.executable, "bench/quality.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_quality_benchmark_runs_and_scores(tmp_path: Path) -> None:
    trec = tmp_path / "trec.jsonl"
    trec.write_text(
        json.dumps(
            {
                "question": "Who replaced the cables ?",
                "candidates": [
                    {"sentence": "Engineers replaced the cables .", "label": 1},
                    {"sentence": "The mayor spoke .", "label": 0},
                    {"sentence": "Rain fell on the valley .", "label": 0},
                ],
            }
        )
        + "\n"
    )
    done = quality(str(squad(tmp_path / "squad.json.gz")), "--trecqa", str(trec))
    row = next(line for line in done.stdout.splitlines() if "briefing bot," in line)
    assert row.split("|")[3].strip() == "1.0000"  # P@1 on questions made to be easy
    assert "| briefing bot | 1 | 1.000 | 1.000 |" in done.stdout
    assert "dev questions: 12/12" in done.stdout
    if SHARED_MODEL.is_dir():  # the fused rows beside the lexical ones
        fused = next(line for line in done.stdout.splitlines() if "+ semantic," in line)
        assert fused.split("|")[3].strip() == "1.0000"
        assert "| briefing bot + semantic | 1 | 1.000 | 1.000 |" in done.stdout


def news_folder(root: Path) -> Path:
    """An html_news-like folder of the ingest fixtures: pages, feeds with {BASE}, truth."""
    data = REPO / "tests" / "data" / "ingest"
    (root / "pages").mkdir(parents=True)
    (root / "feeds").mkdir()
    pages = {
        "harbour.html": ("Harbour bridge reopens after repairs", "2024-03-02"),
        "festival.html": ("Orchestra plans summer festival in the parks", "2024-03-05"),
        "clinic.html": ("New clinic offers flu vaccines to pensioners", "2024-03-04"),
        "quotes-no-charset.html": ("Lighthouse keeper retires after forty years", "2024-02-20"),
    }
    records = []
    for name, (title, date) in pages.items():
        (root / "pages" / name).write_bytes((data / name).read_bytes())
        text = "\n\n".join(line for line in _paragraphs(data / name))
        records.append(
            {
                "file": name,
                "lang": "en",
                "title": title,
                "date": date,
                "truth": "human",
                "text": text,
                "url": f"https://example.org/{name}",
            }
        )
    (root / "truth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / "feeds" / "news.rss").write_text(
        (data / "feed.rss")
        .read_text()
        .replace("<link>/pages/", "<link>{BASE}/pages/")
        .replace("<link>pages/", "<link>{BASE}/pages/")
    )
    (root / "feeds" / "news.atom").write_text(
        (data / "feed.atom").read_text().replace('href="/pages/', 'href="{BASE}/pages/')
    )
    return root


def _paragraphs(path: Path) -> list[str]:
    import re

    return re.findall(r"<p>(.*?)</p>", path.read_text(encoding="utf-8"))


def test_ingest_benchmark_runs_and_reports(tmp_path: Path) -> None:
    folder = news_folder(tmp_path / "news")
    done = subprocess.run(
        [sys.executable, "bench/ingest.py", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "by URL: `bot add` of 4 URLs: 4 added, 0 failed, exit code 0;" in out
    assert "`bot refresh` of news.rss and news.atom: 4 articles" in out
    assert "then `bot add` of all 4 URLs: 4 already there, 0 added -> 4 articles" in out
    assert "pages added with a title: 4/4" in out
    assert "equal: yes; texts word for word the same as trafilatura's: 4/4" in out
    assert "answered with a citation linking to the page's URL: first passage 4/4" in out


ARCHIVE = [
    {
        "id": "news-1",
        "title": "Port strike ends",
        "text": "Dock workers returned on Monday after a week-long strike. The union said its "
        'members had won a pay rise.\n\n"We stood together," said Maria Lenz, a crane '
        'driver. "Nobody gave up."\n\nShips queued outside the harbour for days.',
    },
    {
        "id": "news-2",
        "title": "Library reopens",
        "text": "The town library reopened after repairs, according to the county council. "
        "Its roof had leaked since spring.",
    },
]
LABELS = [
    ("news-1", "The union said its members", "the union", "said"),
    ("news-1", '"We stood together," said', "Maria Lenz", "said"),
    ("news-1", '"Nobody gave up."', "Maria Lenz", "continuation"),
    ("news-1", "Ships queued outside", None, "editorial"),
    ("news-2", "The town library reopened", "the county council", "according"),
    ("news-2", "Its roof had leaked", None, "editorial"),
]


def test_quality_benchmark_scores_credits(tmp_path: Path) -> None:
    archive = tmp_path / "archive.jsonl"
    archive.write_text("\n".join(json.dumps(a) for a in ARCHIVE) + "\n", encoding="utf-8")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "\n".join(
            json.dumps({"article": a, "sentence_start": s, "gold": g, "alts": [], "kind": k})
            for a, s, g, k in LABELS
        )
        + "\n",
        encoding="utf-8",
    )
    done = quality("--attribution", str(labels), "--bbc", str(archive))
    assert (
        "  overall      6/6 = 1.000; wrong credits 0, missed 0; citation misattributions 0/6"
        in (done.stdout)
    )
    assert "crediting every article of archive.jsonl: 2 articles, 7 sentences (4 credited)" in (
        done.stdout
    )


def test_quality_benchmark_runs_xquad_languages_beside_their_baselines(tmp_path: Path) -> None:
    folder = tmp_path / "xquad"
    folder.mkdir()
    squad(folder / "xquad.en.json.gz")  # the English test set of this file, as a language
    (folder / "README.md").write_text(
        "| lang | NLTK stemmer | sentences | plain P@1 | MRR | R@5 | snowball P@1 | MRR | R@5 "
        "| norm P@1 | MRR | R@5 |\n"
        "| en | english | 9 / 9 | 0.500 | 0.6 | 0.7 | 0.600 | 0.7 | 0.8 | 0.550 | 0.7 | 0.8 |\n",
        encoding="utf-8",
    )
    done = quality("--xquad", str(folder), "--languages", "en")
    row = next(line for line in done.stdout.splitlines() if line.startswith("| en |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "1.0000"  # P@1
    assert cells[6] == "0.600 (snowball)"  # the README's best baseline, in the same run
