"""Text for models that run in TF.js: typed lines, Keras's tokenizer and USE lite's word
pieces in Python."""

from __future__ import annotations

from .keras_tokenizer import KerasTokenizer, TokenizerError
from .lines import sentences
from .sentencepiece import SentencePieceTokenizer

__all__ = ["KerasTokenizer", "SentencePieceTokenizer", "TokenizerError", "sentences"]
