"""The benchmark scripts run end to end on tiny data made here (the real data stays outside)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

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
    done = subprocess.run(
        [
            sys.executable,
            "bench/quality.py",
            str(squad(tmp_path / "squad.json.gz")),
            "--trecqa",
            str(trec),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "briefing bot," in line)
    assert row.split("|")[3].strip() == "1.0000"  # P@1 on questions made to be easy
    assert "| briefing bot | 1 | 1.000 | 1.000 |" in done.stdout
    assert "dev questions: 12/12" in done.stdout
