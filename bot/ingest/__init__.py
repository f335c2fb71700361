"""Ingestion: web pages and feeds into article files of the corpus folder, and the gaps log.

An edge: it may use the network and write into the corpus folder; it never imports telegram
or the CLI, and the search core never imports it.
"""
