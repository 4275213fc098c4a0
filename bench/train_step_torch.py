"""PyTorch peer of bench/train_step.ts: the same networks, batch and GAN step, timed on the CPU
(or, with `--device cuda`, on the GPU: scripts/gpu_check.ts).

Usage: train_step_torch.py THREADS [--device cpu|cuda] MODEL...

A model named `mixture-mlp@S` is the mixture MLP's S seeds as one batched model (torch.baddbmm per
layer, as src/train/lockstep.ts batches them); its "ms" is per seed-step.

Prints one JSON object {model: {"ms": ..., "steps": ...}} for the models named on the command line,
plus "_peak_gflops" (a 1024² product), "_torch" (the version), "_device" and "_peer"
(peer_info.describe()). Run by bench/train_step.ts in the same invocation; needs Debian's
python3-torch (a CUDA build of PyTorch for `--device cuda`).
"""
import json
import os
import sys
import time

ARGS = sys.argv[1:]
DEVICE = "cpu"
if "--device" in ARGS:
    at = ARGS.index("--device")
    DEVICE = ARGS[at + 1]
    del ARGS[at : at + 2]
THREADS = int(ARGS[0]) if ARGS else 2
# torch.set_num_threads sets ATen's and oneDNN's threads but not the BLAS's: Debian's PyTorch
# calls OpenBLAS for its products, whose own pool takes every core unless this variable, read
# when the library loads, says otherwise.
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)

import torch  # noqa: E402 (after the BLAS threads are set)
from torch import nn  # noqa: E402

from peer_info import describe  # noqa: E402

torch.set_num_threads(THREADS)


def mlp(sizes, hidden_act, out_act=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(hidden_act())
    if out_act:
        layers.append(out_act())
    return nn.Sequential(*layers)


def leaky():
    return nn.LeakyReLU(0.2)


class Reshape(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.shape[0], *self.shape)


def dcgan(latent=100, g=64, d=64):
    generator = nn.Sequential(
        nn.Linear(latent, 7 * 7 * 2 * g), Reshape(2 * g, 7, 7), nn.BatchNorm2d(2 * g), nn.ReLU(),
        nn.ConvTranspose2d(2 * g, g, 4, 2, 1, bias=False), nn.BatchNorm2d(g), nn.ReLU(),
        nn.ConvTranspose2d(g, 1, 4, 2, 1), nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, d, 4, 2, 1), leaky(),
        nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * d), leaky(),
        nn.Flatten(), nn.Linear(7 * 7 * 2 * d, 1),
    )
    return generator, discriminator, latent, (1, 28, 28), 64


class Maxout(nn.Module):
    """PacGAN's maxout layer: `pieces` linear pieces per unit, the largest kept."""

    def __init__(self, fan_in, units, pieces=5):
        super().__init__()
        self.linear = nn.Linear(fan_in, units * pieces)
        self.units, self.pieces = units, pieces

    def forward(self, x):
        return self.linear(x).view(x.shape[0], self.pieces, self.units).amax(1)


def pacgan(pack):
    """PacGAN's networks (suites/pacgan.json, src/models/pacgan.ts): G 4x400 with batch norm and
    no hidden bias, D 3 maxout layers of 200 units x 5 pieces over `pack` samples side by side."""
    layers = []
    for fan_in in (2, 400, 400, 400):
        layers += [nn.Linear(fan_in, 400, bias=False), nn.BatchNorm1d(400, 1e-4, 0.05), nn.ReLU()]
    generator = nn.Sequential(*layers, nn.Linear(400, 2))
    discriminator = nn.Sequential(
        Maxout(2 * pack, 200), Maxout(200, 200), Maxout(200, 200), nn.Linear(200, 1)
    )
    return generator, discriminator


def relu_mlp(fan_in, fan_out, width=512):
    return nn.Sequential(
        nn.Linear(fan_in, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
        nn.Linear(width, width), nn.ReLU(), nn.Linear(width, fan_out),
    )


class SeedMlp(nn.Module):
    """`seeds` independent MLPs as one: x [S, n, in] through one torch.baddbmm per layer."""

    def __init__(self, seeds, sizes, hidden_act):
        super().__init__()
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            bound = fan_in**-0.5
            self.weights.append(nn.Parameter(torch.empty(seeds, fan_in, fan_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(seeds, 1, fan_out).uniform_(-bound, bound)))
        self.act = hidden_act()

    def forward(self, x):
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = self.act(x)
        return x


def mixture_lockstep_step(seeds, batch=256):
    """The mixture-mlp step of `seeds` seeds at once: each seed's loss its own batch mean, summed."""
    g = SeedMlp(seeds, [2, 128, 128, 128, 2], nn.ReLU).to(DEVICE)
    d = SeedMlp(seeds, [2, 128, 128, 128, 1], leaky).to(DEVICE)
    opt_g = torch.optim.Adam(g.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 1e-3, betas=(0.5, 0.999))
    bce = nn.functional.softplus
    real = torch.randn(seeds, batch, 2, device=DEVICE)

    def seed_mean(x):
        return x.mean(dim=(1, 2)).sum()

    def step():
        fake = g(torch.randn(seeds, batch, 2, device=DEVICE)).detach()
        loss_d = seed_mean(bce(-d(real))) + seed_mean(bce(d(fake)))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = seed_mean(bce(-d(g(torch.randn(seeds, batch, 2, device=DEVICE)))))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()

    return step


MODELS = {
    "mixture-mlp": lambda: (
        mlp([2, 128, 128, 128, 2], nn.ReLU),
        mlp([2, 128, 128, 128, 1], leaky),
        2, (2,), 256,
    ),
    "mnist-mlp": lambda: (
        mlp([100, 256, 512, 1024, 784], nn.ReLU, nn.Tanh),
        mlp([784, 512, 256, 1], leaky),
        100, (784,), 64,
    ),
    "mnist-dcgan": dcgan,
}


def pacgan_step(pack, batch=100):
    """PacGAN's joint step (src/train/train_pacgan.ts): D's and G's losses on the same samples,
    both gradients at the same weights, both updates applied together (Adam 1e-4, betas 0.8, 0.999);
    written as a PyTorch user would: one generator pass per packed slot, its output detached for D."""
    g, d = pacgan(pack)
    g, d = g.to(DEVICE), d.to(DEVICE)
    opt_g = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.8, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 1e-4, betas=(0.8, 0.999))
    softplus = nn.functional.softplus

    def packed(x):  # pack slots of `batch` samples side by side: [batch, 2 * pack]
        return x.view(pack, batch, -1).transpose(0, 1).reshape(batch, -1)

    def step():
        real = torch.randn(pack * batch, 2, device=DEVICE)
        fake = torch.cat([g(torch.randn(batch, 2, device=DEVICE)) for _ in range(pack)])
        loss_d = softplus(-d(packed(real))).mean() + softplus(d(packed(fake.detach()))).mean()
        loss_g = softplus(-d(packed(fake))).mean()
        opt_d.zero_grad()
        opt_g.zero_grad()
        grads_d = torch.autograd.grad(loss_d, list(d.parameters()))
        grads_g = torch.autograd.grad(loss_g, list(g.parameters()))
        for p, grad in zip(d.parameters(), grads_d):
            p.grad = grad
        for p, grad in zip(g.parameters(), grads_g):
            p.grad = grad
        opt_d.step()
        opt_g.step()
        return loss_d.item() + loss_g.item()

    return step


def wgan_gp_step(batch=256, critic_steps=5, penalty=0.1):
    """WGAN-GP's toy step (gan_toy.py; suites/wgan-gp-toy.json): 5 critic updates with the gradient
    penalty, then one generator update, 512-wide ReLU MLPs, Adam 1e-4, betas 0.5, 0.9."""
    g, d = relu_mlp(2, 2).to(DEVICE), relu_mlp(2, 1).to(DEVICE)
    opt_g = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(d.parameters(), 1e-4, betas=(0.5, 0.9))

    def step():
        for _ in range(critic_steps):
            real = torch.randn(batch, 2, device=DEVICE)
            with torch.no_grad():
                fake = g(torch.randn(batch, 2, device=DEVICE))
            alpha = torch.rand(batch, 1, device=DEVICE)
            mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(d(mixed).sum(), mixed, create_graph=True)
            gp = ((grad.square().sum(1) + 1e-12).sqrt() - 1).square().mean()
            loss_d = d(fake).mean() - d(real).mean() + penalty * gp
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        loss_g = -d(g(torch.randn(batch, 2, device=DEVICE))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()

    return step


STEPS = {
    "pacgan1": lambda: pacgan_step(1),
    "pacgan4": lambda: pacgan_step(4),
    "wgan-gp-toy": wgan_gp_step,
}


def time_steps(name, warmup=5, seconds=3.0):
    if name.startswith("mixture-mlp@"):
        seeds = int(name.split("@")[1])
        timed = time_step(mixture_lockstep_step(seeds), warmup, seconds)
        return {"ms": timed["ms"] / seeds, "steps": timed["steps"]}
    if name in STEPS:
        return time_step(STEPS[name](), warmup, seconds)
    g, d, latent, shape, batch = MODELS[name]()
    g, d = g.to(DEVICE), d.to(DEVICE)
    opt_g = torch.optim.Adam(g.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 1e-3, betas=(0.5, 0.999))
    bce = nn.functional.softplus
    real = torch.randn(batch, *shape, device=DEVICE)

    def step():
        z = torch.randn(batch, latent, device=DEVICE)
        fake = g(z).detach()
        loss_d = bce(-d(real)).mean() + bce(d(fake)).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        z = torch.randn(batch, latent, device=DEVICE)
        loss_g = bce(-d(g(z))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return loss_d.item() + loss_g.item()  # waits for the device

    return time_step(step, warmup, seconds)


def time_step(step, warmup, seconds):
    for _ in range(warmup):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return {"ms": 1000 * (time.perf_counter() - start) / steps, "steps": steps}


def synchronize():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


def peak_gflops(n=1024, repeats=20):
    a, b = torch.randn(n, n, device=DEVICE), torch.randn(n, n, device=DEVICE)
    a @ b
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


if __name__ == "__main__":
    out = {
        name: time_steps(name)
        for name in ARGS[1:]
        if name in MODELS or name in STEPS or name.startswith("mixture-mlp@")
    }
    out["_peak_gflops"] = peak_gflops()
    out["_torch"] = torch.__version__
    out["_device"] = torch.cuda.get_device_name() if DEVICE.startswith("cuda") else "cpu"
    out["_peer"] = describe()
    print(json.dumps(out))
