"""Keras (.h5 / .keras) to TF.js layers-model conversion in pure Python (no TensorFlow).

``writer`` encodes TF.js model files from numpy arrays; the Keras readers build on it.
"""

from __future__ import annotations

from .writer import ConvertError, layers_model_files, write_files

__all__ = ["ConvertError", "layers_model_files", "write_files"]
