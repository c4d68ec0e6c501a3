"""tf.data's autotuner on a machine where the CPU trains: lab 04's augmented pictures through VGG16.

Each setting runs in a process of its own, alternating (on, off, on, off, ...), so machine noise
hits both alike. A run builds lab 04's training pipeline (720 pony pictures of 150x150, batches of
32, flip + rotation + zoom mapped in parallel, prefetched), sends every batch through VGG16's
convolutional base (random weights: the time does not depend on them), and prints the seconds per
epoch. "on" is tf.data's default; "off" is what ``load_image_folder`` does where TensorFlow sees
no GPU (``dlkit.data.image_folder.pipeline_options``).

    python benchmarks/pipeline.py [--rounds 2] [--epochs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time


def run_child(autotune: bool, epochs: int) -> list[float]:
    """Seconds per epoch, with tf.data's autotuner on or off."""
    import keras
    import tensorflow as tf

    from dlkit.course.ponies import pony_splits
    from dlkit.datasets import load_image_folder
    from dlkit.pretrained import load_base, preprocess_input
    from dlkit.runtime import pick_runtime

    pick_runtime()  # the labs' precision: bfloat16 where measured faster here
    folders = pony_splits(train=120, validation=40, test=60, size=150)
    pictures = load_image_folder(folders["train"], image_size=(150, 150), batch_size=32)
    options = tf.data.Options()
    options.autotune.enabled = autotune  # overrides what load_image_folder chose
    augment = keras.layers.Pipeline([  # lab 04's
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomRotation(0.08),
        keras.layers.RandomZoom(0.2),
    ])
    batches = (
        pictures.map(lambda x, y: (preprocess_input("vgg16", augment(x, training=True)), y),
                     num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
        .with_options(options)
    )
    base = load_base("vgg16", include_top=False, input_shape=(150, 150, 3), weights=None)
    forward = tf.function(lambda x: base(x, training=False))
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        for images, _ in batches:
            forward(images).numpy()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--child", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child == "on", args.epochs)))
        return

    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    epochs = {"on": [], "off": []}
    for _ in range(args.rounds):
        for setting in ("on", "off"):
            command = [sys.executable, __file__, "--child", setting, "--epochs", str(args.epochs)]
            child = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
            lines = [line for line in child.stdout.splitlines() if line.startswith("[")]
            if not lines:
                sys.exit(f"autotune {setting}: the benchmark process failed:\n{child.stderr[-2000:]}")
            epochs[setting] += json.loads(lines[-1])
    print(f"{platform.machine()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: 720 augmented "
          f"150x150 pictures through VGG16's base, {args.rounds} rounds x {args.epochs} epochs each")
    print("| tf.data autotuner | seconds per epoch, median (range) | ms per picture |")
    print("|---|---|---|")
    for setting, seconds in epochs.items():
        median, low, high = statistics.median(seconds), min(seconds), max(seconds)
        print(f"| {setting} | {median:.1f} ({low:.1f}-{high:.1f}) | {median / 720 * 1000:.0f} |")


if __name__ == "__main__":
    main()
