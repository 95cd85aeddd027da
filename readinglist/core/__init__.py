"""The domain core: parsing, store, query, export and enrichment.

Plain Python only. Nothing in this package may import Textual; a test
imports it in a fresh interpreter and checks.
"""
