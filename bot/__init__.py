"""Briefing Bot: answers questions about a news briefing with quoted, cited passages."""

import os

__version__ = "0.1.0"

# A question's vector products are small (a few thousand rows): OpenBLAS's threads cost more
# than they save, and their spinning slows everything else on the machine (measured: a
# 2,900 x 384 product took 8 ms with two threads on a busy machine, 0.1 ms with one). This
# only applies when bot is imported before NumPy, as in the `bot` command; set
# OPENBLAS_NUM_THREADS yourself to choose otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
