"""Text for models that run in TF.js: typed lines, and Keras's tokenizer in Python."""

from __future__ import annotations

from .keras_tokenizer import KerasTokenizer, TokenizerError
from .lines import sentences

__all__ = ["KerasTokenizer", "TokenizerError", "sentences"]
