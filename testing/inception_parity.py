#!/usr/bin/env python3
"""The PyTorch side of the FID Inception parity test (src/metrics/inception_fid_test.ts).

Builds pytorch-fid's FID Inception network from torchvision's Inception-v3 blocks (with the FID
graph's changes: average pools that leave the padding out of the count in Mixed_5b-d, 6b-e and 7b,
a max pool in Mixed_7c's pool branch, 1008 classes), gives it seeded random weights and random
batch-norm statistics (so that folding them is tested), saves its state dict as pytorch-fid's file
would be, converts it with scripts/convert_inception.py, and writes the pool3 features and logits
of a few seeded images under both input protocols of src/metrics/inception_fid.ts:

- `pytorch-fid`: F.interpolate(bilinear, align_corners=False) to 299x299, then 2x - 1, which is
  pytorch-fid's InceptionV3.forward;
- `tf`: TensorFlow 1's bilinear resize (source = target * in/out, no half-pixel centres) of the
  0-255 values, then (v - 128) / 128, which is the original graph's; written out here in NumPy.

Usage: python3 testing/inception_parity.py OUT_DIR [--seed S]
Writes OUT_DIR/pt_inception-random.pth, OUT_DIR/model/ and OUT_DIR/reference.json.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models.inception as tv

# The converter is imported from scripts/, which must not gain a __pycache__ folder.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import convert_inception  # noqa: E402


def _avg_pool_without_padding(x):
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class FidA(tv.InceptionA):
    def forward(self, x):
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        pool = self.branch_pool(_avg_pool_without_padding(x))
        return torch.cat([self.branch1x1(x), b5, b3, pool], 1)


class FidC(tv.InceptionC):
    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3,
                      self.branch7x7dbl_4, self.branch7x7dbl_5):
            d = layer(d)
        pool = self.branch_pool(_avg_pool_without_padding(x))
        return torch.cat([self.branch1x1(x), b7, d, pool], 1)


class FidE(tv.InceptionE):
    def __init__(self, in_channels, pool):
        super().__init__(in_channels)
        self.pool = pool

    def forward(self, x):
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        pooled = (
            F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
            if self.pool == "max"
            else _avg_pool_without_padding(x)
        )
        return torch.cat([self.branch1x1(x), b3, d, self.branch_pool(pooled)], 1)


def fid_inception():
    net = tv.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    net.Mixed_5b = FidA(192, pool_features=32)
    net.Mixed_5c = FidA(256, pool_features=64)
    net.Mixed_5d = FidA(288, pool_features=64)
    net.Mixed_6b = FidC(768, channels_7x7=128)
    net.Mixed_6c = FidC(768, channels_7x7=160)
    net.Mixed_6d = FidC(768, channels_7x7=160)
    net.Mixed_6e = FidC(768, channels_7x7=192)
    net.Mixed_7b = FidE(1280, "avg")
    net.Mixed_7c = FidE(2048, "max")
    return net.eval()


def randomise(net, seed):
    """He-scaled conv weights and random batch-norm statistics, from `seed`."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(
                    torch.randn(module.weight.shape, generator=generator) * (2 / fan_in) ** 0.5
                )
            elif isinstance(module, torch.nn.BatchNorm2d):
                c = module.num_features
                module.weight.copy_(0.5 + torch.rand(c, generator=generator))
                module.bias.copy_(0.1 * torch.randn(c, generator=generator))
                module.running_mean.copy_(0.1 * torch.randn(c, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(c, generator=generator))
            elif isinstance(module, torch.nn.Linear):
                module.weight.copy_(
                    torch.randn(module.weight.shape, generator=generator) / module.in_features**0.5
                )
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=generator))


def pool3_and_logits(net, x):
    """pytorch-fid's blocks 0-3 (pool3), then the output layer."""
    with torch.no_grad():
        x = net.Conv2d_2b_3x3(net.Conv2d_2a_3x3(net.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c",
                     "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"):
            x = getattr(net, name)(x)
        pool3 = F.adaptive_avg_pool2d(x, output_size=(1, 1)).flatten(1)
        return pool3, net.fc(pool3)


def resize_tf1(images, size):
    """TensorFlow 1's ResizeBilinear (align_corners=False, no half-pixel centres), NHWC, float64."""
    n, h, w, c = images.shape

    def axis(length):
        source = np.arange(size) * (length / size)
        lower = np.floor(source).astype(int)
        upper = np.minimum(lower + 1, length - 1)
        return lower, upper, source - lower

    y0, y1, wy = axis(h)
    x0, x1, wx = axis(w)
    top = images[:, y0][:, :, x0] * (1 - wx)[None, None, :, None] + \
        images[:, y0][:, :, x1] * wx[None, None, :, None]
    bottom = images[:, y1][:, :, x0] * (1 - wx)[None, None, :, None] + \
        images[:, y1][:, :, x1] * wx[None, None, :, None]
    return top * (1 - wy)[None, :, None, None] + bottom * wy[None, :, None, None]


def network_input(images, protocol):
    """NHWC float32 images in [0, 1] as the network's NCHW input under `protocol` (grey: 3 copies)."""
    if images.shape[3] == 1:
        images = np.repeat(images, 3, axis=3)
    if protocol == "pytorch-fid":
        x = torch.from_numpy(images).permute(0, 3, 1, 2)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        return 2 * x - 1
    x = resize_tf1(images.astype(np.float64) * 255, 299)
    x = ((x - 128) / 128).astype(np.float32)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    started = time.time()
    os.makedirs(args.out, exist_ok=True)
    net = fid_inception()
    randomise(net, args.seed)
    weights = os.path.join(args.out, "pt_inception-random.pth")
    torch.save(net.state_dict(), weights)
    convert_inception.convert(weights, os.path.join(args.out, "model"), allow_unpublished=True)
    converted = time.time()
    rng = np.random.default_rng(args.seed)
    # A CIFAR-sized pair, a non-square image that is resized along each axis differently, an
    # image of the network's own size (no resize), one downsampled along both axes (400x350), and
    # grey MNIST-sized images (one channel, copied to three).
    sets = [
        rng.random((2, 32, 32, 3), dtype=np.float32),
        rng.random((1, 45, 20, 3), dtype=np.float32),
        rng.random((1, 299, 299, 3), dtype=np.float32),
        rng.random((1, 400, 350, 3), dtype=np.float32),
        rng.random((2, 28, 28, 1), dtype=np.float32),
    ]
    reference = {"images": [], "seconds": {}}
    for images in sets:
        entry = {"shape": list(images.shape), "data": images.ravel().tolist()}
        for protocol in ("tf", "pytorch-fid"):
            pool3, logits = pool3_and_logits(net, network_input(images, protocol))
            entry[protocol] = {
                "pool3": pool3.numpy().ravel().tolist(),
                "logits": logits.numpy().ravel().tolist(),
            }
        reference["images"].append(entry)
    reference["seconds"] = {
        "build_and_convert": round(converted - started, 2),
        "forward": round(time.time() - converted, 2),
    }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(reference, f)
    print(json.dumps(reference["seconds"]))


if __name__ == "__main__":
    main()
