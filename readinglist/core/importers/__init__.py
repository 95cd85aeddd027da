"""Reading libraries other programs write: BibTeX, CSL-JSON, arXiv's bulk metadata.

``detect.read_file`` tells the format from the content (never the file
name) and hands back the papers; the store merges them like any listing.
"""
