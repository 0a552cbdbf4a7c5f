"""The course MNIST CNN in Keras on this machine's CPU: the native yardstick for bench_mnist.

Run by bench_mnist.py with the Python of bench/.keras-venv (TensorFlow lives only there,
never in the test environment). Prints one JSON line: {"ms_per_epoch": ..., ...}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from buildlib import sprites  # noqa: E402  (standard library only)


def main() -> None:
    import tensorflow as tf

    samples, epochs = int(sys.argv[1]), int(sys.argv[2])
    folder = ROOT / "dist/data/mnist"
    _, rows, pixels = sprites.read_png_gray((folder / "sprite-0.png").read_bytes())
    images = np.frombuffer(pixels, np.uint8).reshape(rows, 28, 28, 1)[:samples]
    labels = np.frombuffer((folder / "labels.bin").read_bytes(), np.uint8)[:samples]
    x = images.astype(np.float32) / 255.0
    y = np.eye(10, dtype=np.float32)[labels]
    layers = tf.keras.layers
    model = tf.keras.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=512, epochs=1, verbose=0)  # warm-up: graph tracing
    times: list[float] = []

    class EpochTimes(tf.keras.callbacks.Callback):
        """Each epoch timed on its own inside one fit (a fit call has its own set-up)."""

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append((time.perf_counter() - self.start) * 1000)

    model.fit(x, y, batch_size=512, epochs=epochs, verbose=0, shuffle=True,
              callbacks=[EpochTimes()])
    print(json.dumps({"epoch_ms": times, "tensorflow": tf.__version__,
                      "threads": tf.config.threading.get_inter_op_parallelism_threads()}))


if __name__ == "__main__":
    main()
