"""Text features computed in Python (numpy), for models that run in TF.js."""

from __future__ import annotations

from .lines import sentences
from .tfidf import TfidfError, TfidfVectorizer

__all__ = ["TfidfError", "TfidfVectorizer", "sentences"]
