"""readinglist: a keyboard-driven terminal app for triaging research papers."""

__version__ = "0.1.0"
