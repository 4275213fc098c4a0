#!/usr/bin/env python3
"""Converts pytorch-fid's FID Inception weights into the folder ganbench reads.

Usage:

    python3 scripts/convert_inception.py pt_inception-2015-12-05-6726825d.pth OUT_DIR

The input is the weight file pytorch-fid publishes (Inception-v3 ported from TensorFlow's
2015-12-05 graph: the network behind published FIDs), which you download yourself:
https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
(95,628,359 bytes, sha256 6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2).
Its sha256 is checked; --allow-unpublished converts another state dict of the same network (the
parity test's random weights).

Output: OUT_DIR/weights.bin (float32, little-endian) and OUT_DIR/model.json (ganbench's
`ganbench-inception-fid` format: the source file's sha256, the weights' sha256 and a TF.js weights
manifest). Each convolution's batch norm (eps 0.001, running statistics) is folded into it in
float64: kernel' = kernel * gamma / sqrt(var + eps), bias = beta - mean * gamma / sqrt(var + eps);
kernels go from PyTorch's [out, in, kh, kw] to TF.js' [kh, kw, in, out], the output layer's from
[1008, 2048] to [2048, 1008]. Tensor names are PyTorch's module paths plus `.kernel` / `.bias`
(`Mixed_5b.branch1x1.kernel`); src/metrics/inception_fid.ts checks every name and shape.

Needs Debian's python3-torch. A mistake is one line on stderr and exit status 1 (2 for a
command-line mistake).
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile

FORMAT = "ganbench-inception-fid"
FORMAT_VERSION = 1
PUBLISHED_FILE = "pt_inception-2015-12-05-6726825d.pth"
PUBLISHED_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
PUBLISHED_BYTES = 95_628_359
BN_EPS = 0.001
LOGIT_CLASSES = 1008
POOL3_DIM = 2048
# Keys of the state dict that hold nothing the FID network uses.
IGNORED_SUFFIXES = (".num_batches_tracked",)
IGNORED_PREFIXES = ("AuxLogits.",)


class ConversionError(Exception):
    """A problem with the input, reported as one line."""


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_state_dict(path):
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds for a file that is not a state dict
        text = str(error).strip()
        detail = type(error).__name__ + (f": {text.splitlines()[0]}" if text else "")
        raise ConversionError(
            f"Cannot read '{path}' as a PyTorch state dict (torch.load failed: {detail})"
        )
    if not isinstance(state, dict):
        raise ConversionError(f"'{path}' holds a {type(state).__name__}, not a state dict")
    return state


def fold(state, prefix):
    """The kernel [kh, kw, in, out] and bias [out] of conv + batch norm `prefix`, as float32."""
    import torch

    def get(key):
        if key not in state:
            raise ConversionError(f"the state dict lacks '{key}'")
        return state[key].detach().to(torch.float64)

    weight = get(f"{prefix}.conv.weight")
    gamma, beta = get(f"{prefix}.bn.weight"), get(f"{prefix}.bn.bias")
    mean, var = get(f"{prefix}.bn.running_mean"), get(f"{prefix}.bn.running_var")
    if weight.dim() != 4 or any(t.shape != (weight.shape[0],) for t in (gamma, beta, mean, var)):
        raise ConversionError(f"'{prefix}': conv and batch-norm shapes do not match")
    scale = gamma / torch.sqrt(var + BN_EPS)
    kernel = (weight * scale[:, None, None, None]).permute(2, 3, 1, 0)
    bias = beta - mean * scale
    return kernel.to(torch.float32).contiguous(), bias.to(torch.float32).contiguous()


def convert_state(state):
    """Named float32 tensors in TF.js layout, in a fixed order (sorted by module path)."""
    import torch

    used = set()
    prefixes = sorted(k[: -len(".conv.weight")] for k in state if k.endswith(".conv.weight"))
    prefixes = [p for p in prefixes if not p.startswith(IGNORED_PREFIXES)]
    if "Conv2d_1a_3x3" not in prefixes or "Mixed_7c.branch_pool" not in prefixes:
        raise ConversionError(
            "the state dict is not an Inception-v3 (no Conv2d_1a_3x3 or Mixed_7c.branch_pool)"
        )
    tensors = []
    for prefix in prefixes:
        kernel, bias = fold(state, prefix)
        tensors += [(f"{prefix}.kernel", kernel), (f"{prefix}.bias", bias)]
        used.update(f"{prefix}.{part}" for part in (
            "conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"))
    fc_weight, fc_bias = state.get("fc.weight"), state.get("fc.bias")
    if fc_weight is None or fc_bias is None:
        raise ConversionError("the state dict lacks 'fc.weight' or 'fc.bias'")
    if tuple(fc_weight.shape) != (LOGIT_CLASSES, POOL3_DIM):
        raise ConversionError(
            f"fc.weight has shape {tuple(fc_weight.shape)}, the FID Inception's is "
            f"({LOGIT_CLASSES}, {POOL3_DIM}): this is not {PUBLISHED_FILE} (torchvision's "
            "ImageNet Inception has 1000 classes and other weights)"
        )
    tensors += [
        ("fc.kernel", fc_weight.detach().to(torch.float32).t().contiguous()),
        ("fc.bias", fc_bias.detach().to(torch.float32).contiguous()),
    ]
    used.update(("fc.weight", "fc.bias"))
    unused = [
        k for k in state
        if k not in used and not k.endswith(IGNORED_SUFFIXES) and not k.startswith(IGNORED_PREFIXES)
    ]
    if unused:
        raise ConversionError(
            f"the state dict holds {len(unused)} tensor(s) the FID network does not have, "
            f"e.g. '{unused[0]}'"
        )
    return tensors


def write_atomic(path, data):
    """Writes bytes to `path` through a temporary file in its folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        # mkstemp makes the file private (0600); give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def convert(source, out_dir, allow_unpublished=False):
    """Converts `source` into `out_dir`; returns model.json's content."""
    try:
        size = os.path.getsize(source)
        digest = sha256_of(source)
    except OSError as error:
        raise ConversionError(f"Cannot read '{source}': {error.strerror}")
    published = digest == PUBLISHED_SHA256
    if not published and not allow_unpublished:
        raise ConversionError(
            f"'{source}' is not {PUBLISHED_FILE}: sha256 {digest} ({size} bytes), expected "
            f"{PUBLISHED_SHA256} ({PUBLISHED_BYTES} bytes); download it again, or pass "
            "--allow-unpublished to convert other weights of the same network"
        )
    tensors = convert_state(load_state_dict(source))
    weights = b"".join(t.numpy().astype("<f4").tobytes() for _, t in tensors)
    manifest = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "source": {"file": os.path.basename(source), "sha256": digest, "bytes": size},
        "converter": "scripts/convert_inception.py",
        "batchNormEpsilon": BN_EPS,
        "weightsSha256": hashlib.sha256(weights).hexdigest(),
        "weightsManifest": [{
            "paths": ["weights.bin"],
            "weights": [
                {"name": name, "shape": list(t.shape), "dtype": "float32"} for name, t in tensors
            ],
        }],
    }
    try:
        os.makedirs(out_dir, exist_ok=True)
        # weights.bin first: a reader that meets the old model.json with the new weights refuses
        # them (weightsSha256), never runs a mixture.
        write_atomic(os.path.join(out_dir, "weights.bin"), weights)
        write_atomic(
            os.path.join(out_dir, "model.json"), (json.dumps(manifest, indent=1) + "\n").encode()
        )
    except OSError as error:
        raise ConversionError(f"Cannot write '{out_dir}': {error.strerror}")
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/convert_inception.py",
        description="Convert pytorch-fid's FID Inception weights (.pth) into ganbench's folder.",
    )
    parser.add_argument("weights", help=f"the downloaded {PUBLISHED_FILE}")
    parser.add_argument("out", help="output folder (model.json + weights.bin)")
    parser.add_argument(
        "--allow-unpublished",
        action="store_true",
        help="convert a state dict whose sha256 is not the published file's (tests)",
    )
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print(
            "convert_inception.py: needs PyTorch: apt-get install python3-torch",
            file=sys.stderr,
        )
        return 1
    try:
        manifest = convert(args.weights, args.out, args.allow_unpublished)
    except ConversionError as error:
        print(f"convert_inception.py: {error}", file=sys.stderr)
        return 1
    count = len(manifest["weightsManifest"][0]["weights"])
    note = "" if manifest["source"]["sha256"] == PUBLISHED_SHA256 else " (unpublished weights)"
    print(f"wrote {count} tensors to {args.out}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
