"""The Textual app: a thin layer over :mod:`readinglist.core`."""
