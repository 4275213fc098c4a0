"""PyTorch peer of ganbench's feature extraction (`score --features mnist`) for bench/score.ts.

Rebuilds a ganbench feature network (fixtures/features/<name>/: a TensorFlow.js layers model of
two stride-2 5x5 convolutions, a dense feature layer and a softmax) in PyTorch from the same
weights, reads N x 28 x 28 uint8 images from .npy files, scales them to [-1, 1] as ganbench's
extractor does, and times the forward pass to the feature layer (batches of 1,000, one thread per
core).

Usage: extract_torch.py MODEL_DIR IMAGES.npy [IMAGES.npy ...] --out FEATURES.npy [FEATURES.npy ...]
Prints one JSON object: {"seconds": ..., "threads": ..., "torch": version, "peer": peer_info.describe()}.
"""

import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_info import describe


def load_layers_model(model_dir):
    """The layers of a TF.js layers model and its weights by name, as float32 arrays."""
    with open(f"{model_dir}/model.json") as handle:
        model = json.load(handle)
    weights = {}
    for group in model["weightsManifest"]:
        data = b"".join(open(f"{model_dir}/{path}", "rb").read() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            values = np.frombuffer(data, dtype=np.float32, count=count, offset=offset)
            weights[spec["name"]] = torch.from_numpy(values.reshape(spec["shape"]).copy())
            offset += 4 * count
    return model["modelTopology"]["config"]["layers"], weights


def same_padding(size, kernel, stride):
    """TensorFlow's 'same' padding (before, after) along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def features(layers, weights, feature_layer, x):
    """Runs NHWC images x through the layers up to `feature_layer` (inclusive)."""
    x = x.permute(0, 3, 1, 2)  # NCHW for PyTorch's convolutions
    for layer in layers:
        kind, config = layer["class_name"], layer["config"]
        name = config["name"]
        if kind == "Conv2D":
            kernel = weights[f"{name}/kernel"].permute(3, 2, 0, 1)  # [kh, kw, in, out] -> [out, in, kh, kw]
            (kh, kw), (sh, sw) = config["kernel_size"], config["strides"]
            if config["padding"] == "same":
                top, bottom = same_padding(x.shape[2], kh, sh)
                left, right = same_padding(x.shape[3], kw, sw)
                x = F.pad(x, (left, right, top, bottom))
            x = F.conv2d(x, kernel, weights.get(f"{name}/bias"), stride=(sh, sw))
        elif kind == "Flatten":
            x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # TF.js flattens NHWC
        elif kind == "Dense":
            x = F.linear(x, weights[f"{name}/kernel"].t(), weights.get(f"{name}/bias"))
        else:
            raise ValueError(f"layer kind {kind} is not supported")
        activation = config.get("activation", "linear")
        if activation == "relu":
            x = F.relu(x)
        elif activation not in ("linear", "softmax"):
            raise ValueError(f"activation {activation} is not supported")
        if name == feature_layer:
            return x
    raise ValueError(f"no layer named {feature_layer}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--out", nargs="+", required=True)
    args = parser.parse_args()
    with open(f"{args.model_dir}/manifest.json") as handle:
        feature_layer = json.load(handle)["featureLayer"]
    torch.set_num_threads(os.cpu_count())
    layers, weights = load_layers_model(args.model_dir)
    sets = [np.load(path) for path in args.images]
    with torch.no_grad():
        features(layers, weights, feature_layer, torch.zeros(8, 28, 28, 1))  # warm-up
        start = time.perf_counter()
        outputs = []
        for images in sets:
            x = torch.from_numpy(images.astype(np.float32) * (2 / 255) - 1).reshape(-1, 28, 28, 1)
            outputs.append(torch.cat([features(layers, weights, feature_layer, batch) for batch in x.split(1000)]))
        seconds = time.perf_counter() - start
    for path, output in zip(args.out, outputs):
        np.save(path, output.numpy().astype(np.float64))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "peer": describe(),
            }
        )
    )


if __name__ == "__main__":
    main()
