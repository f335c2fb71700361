"""The search core: corpus, analysis, BM25, the sentence index, credits and passages.

Nothing here imports `telegram`, the CLI or network code (`tests/test_architecture.py`).
"""
