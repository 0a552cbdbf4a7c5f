"""The course MNIST CNN in Keras on this machine's CPU: the native yardstick for bench_mnist.

Run by bench_mnist.py with the Python of bench/.keras-venv (TensorFlow lives only there,
never in the test environment). Same data as the lab: the site's sprites (60,000 training
digits, then the official 10,000 test digits), the lab's seeded validation slice (5,000 of
the training digits), the same model, Adam learning rate, batch size and epochs. Trains
once per seed and prints one JSON line: ms per epoch (every epoch of every seed) and each
seed's test accuracy on the 10,000 test digits.

    python keras_mnist.py EPOCHS SEEDS [SAMPLES]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from buildlib.make import sprites  # standard library only

ROOT = Path(__file__).resolve().parent.parent

LEARNING_RATE = 0.003  # the MNIST lab's default
BATCH = 512


def site_mnist() -> tuple[np.ndarray, np.ndarray, int]:
    """The site's MNIST sprites as (uint8 images [n, 28, 28], labels, test count)."""
    pixels, labels, meta = sprites.read_sprites(ROOT / "dist/data/mnist")
    images = np.frombuffer(pixels, np.uint8).reshape(-1, 28, 28)
    return images, np.frombuffer(labels, np.uint8), int(meta["test_count"])


def main() -> None:
    import tensorflow as tf

    epochs, seeds = int(sys.argv[1]), int(sys.argv[2])
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    images, labels, test_count = site_mnist()
    n = len(labels)
    # the lab's split: SpriteSet.split(limit=samples) with seed 0, then a tenth (at most
    # 5,000) for validation
    pool = np.random.default_rng(0).permutation(n - test_count)
    pool = pool[:samples] if samples else pool
    n_val = min(5000, len(pool) // 10)
    val, train, test = pool[:n_val], pool[n_val:], np.arange(n - test_count, n)

    def xy(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return ((images[index].astype(np.float32) / 255.0)[..., None],
                np.eye(10, dtype=np.float32)[labels[index]])

    (x, y), (xv, yv), (xt, yt) = xy(train), xy(val), xy(test)
    times: list[float] = []
    accuracies: list[float] = []

    class EpochTimes(tf.keras.callbacks.Callback):
        """Each epoch timed on its own inside one fit (validation included, as in the lab)."""

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append((time.perf_counter() - self.start) * 1000)

    layers = tf.keras.layers
    for seed in range(seeds):
        tf.keras.utils.set_random_seed(seed)
        model = tf.keras.Sequential([
            layers.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer=tf.keras.optimizers.Adam(LEARNING_RATE),
                      loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, shuffle=True,
                  validation_data=(xv, yv), callbacks=[EpochTimes()])
        predicted = model.predict(xt, batch_size=1000, verbose=0).argmax(axis=1)
        accuracies.append(float((predicted == yt.argmax(axis=1)).mean()))
    print(json.dumps({"epoch_ms": times, "test_accuracy": accuracies, "train": len(train),
                      "tensorflow": tf.__version__}))


if __name__ == "__main__":
    main()
