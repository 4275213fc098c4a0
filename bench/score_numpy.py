"""NumPy/SciPy peer of `score --metrics fid,kid,prc,dc` for bench/score.ts.

Computes, on two .npy feature files (GENERATED then REFERENCE, as `score` takes them):

- FID as pytorch-fid does: numpy mean and np.cov, scipy.linalg.sqrtm of sigma1 @ sigma2 (with
  pytorch-fid's eps offset when the product is singular, and its real part).
- KID as torch-fidelity does: unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3, mean and population
  std over `--kid-subsets` subsets of `--kid-subset-size` drawn without replacement
  (np.random.RandomState(seed).choice).
- Precision/recall (k = 3, Kynkaenniemi et al.) and density/coverage (k = 5, Naeem et al.) with
  the reference `prdc` package's definitions (radius = distance to the k-th nearest neighbour in
  the same set, self excluded), on squared Euclidean distances |x|^2 + |y|^2 - 2 x.y computed in
  float64 blocks of rows (never N x N in memory). The real-real radii for k = 3 and k = 5 come
  from one pass (np.partition at both ranks) and all four figures from one real-fake pass.

Prints one JSON object: {"seconds": {...}, "values": {...}, "versions": {...}, "peer": {...}}
(peer: peer_info.describe()); seconds has "load" (reading both files), one entry per part, and
"total" (their sum).
"""

import argparse
import json
import time

import numpy as np
import scipy
import scipy.linalg

from peer_info import describe


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance."""
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def fid(x, y):
    stats = [(np.mean(a, axis=0), np.cov(a, rowvar=False)) for a in (x, y)]
    return frechet_distance(*stats[0], *stats[1])


def polynomial_mmd2(x, y):
    """torch-fidelity's unbiased MMD^2 with the cubic polynomial kernel (gamma = 1/d, coef0 = 1)."""
    d = x.shape[1]
    m = x.shape[0]
    k_xx = (x @ x.T / d + 1) ** 3
    k_yy = (y @ y.T / d + 1) ** 3
    k_xy = (x @ y.T / d + 1) ** 3
    kt_xx = k_xx.sum() - np.trace(k_xx)
    kt_yy = k_yy.sum() - np.trace(k_yy)
    return (kt_xx + kt_yy) / (m * (m - 1)) - 2 * k_xy.sum() / (m * m)


def kid(x, y, subsets, subset_size, seed):
    rng = np.random.RandomState(seed)
    m = min(subset_size, x.shape[0], y.shape[0])
    values = []
    for _ in range(subsets):
        fx = x[rng.choice(x.shape[0], m, replace=False)]
        fy = y[rng.choice(y.shape[0], m, replace=False)]
        values.append(polynomial_mmd2(fx, fy))
    return {"mean": float(np.mean(values)), "std": float(np.std(values))}


def squared_distances(a, norms_a, b, norms_b):
    out = a @ b.T
    out *= -2
    out += norms_a[:, None]
    out += norms_b[None, :]
    np.maximum(out, 0, out=out)
    return out


def knn_radii(x, ks, block):
    """Squared distance of every row to its k-th nearest other row, for each k in ks."""
    norms = np.einsum("ij,ij->i", x, x)
    radii = {k: np.empty(x.shape[0]) for k in ks}
    for start in range(0, x.shape[0], block):
        end = min(start + block, x.shape[0])
        dist = squared_distances(x[start:end], norms[start:end], x, norms)
        dist[np.arange(end - start), np.arange(start, end)] = 0  # self, as ganbench does
        part = np.partition(dist, list(ks), axis=1)  # rank k: the k-th neighbour, self excluded
        for k in ks:
            radii[k][start:end] = part[:, k]
    return radii


def prdc(real, fake, block, k_pr=3, k_dc=5):
    real_radii = knn_radii(real, sorted({k_pr, k_dc}), block)
    fake_radii = knn_radii(fake, [k_pr], block)[k_pr]
    norms_real = np.einsum("ij,ij->i", real, real)
    norms_fake = np.einsum("ij,ij->i", fake, fake)
    fake_in_real = np.zeros(fake.shape[0], dtype=bool)
    real_in_fake = 0
    inside = 0
    covered = 0
    for start in range(0, real.shape[0], block):
        end = min(start + block, real.shape[0])
        dist = squared_distances(real[start:end], norms_real[start:end], fake, norms_fake)
        fake_in_real |= (dist < real_radii[k_pr][start:end, None]).any(axis=0)
        real_in_fake += int((dist < fake_radii[None, :]).any(axis=1).sum())
        inside += int((dist < real_radii[k_dc][start:end, None]).sum())
        covered += int((dist.min(axis=1) < real_radii[k_dc][start:end]).sum())
    return {
        "precision": float(fake_in_real.mean()),
        "recall": real_in_fake / real.shape[0],
        "density": inside / (k_dc * fake.shape[0]),
        "coverage": covered / real.shape[0],
    }


REPEAT = 1


def timed(seconds, name, compute):
    """Runs compute REPEAT times; records the fastest run's seconds, returns the last value."""
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        value = compute()
        best = min(best, time.perf_counter() - start)
    seconds[name] = best
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generated")
    parser.add_argument("reference")
    parser.add_argument("--kid-subsets", type=int, default=100)
    parser.add_argument("--kid-subset-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--parts", default="fid,kid,prdc", help="any of fid, kid, prdc")
    parser.add_argument("--repeat", type=int, default=1, help="runs per part (fastest counts)")
    args = parser.parse_args()
    global REPEAT
    REPEAT = args.repeat
    seconds = {}
    values = {}
    load = lambda path: np.load(path).astype(np.float64)  # noqa: E731
    fake, real = timed(seconds, "load", lambda: (load(args.generated), load(args.reference)))
    parts = args.parts.split(",")
    if "fid" in parts:
        values["fid"] = timed(seconds, "fid", lambda: fid(fake, real))
    if "kid" in parts:
        values["kid"] = timed(
            seconds,
            "kid",
            lambda: kid(fake, real, args.kid_subsets, args.kid_subset_size, args.seed),
        )
    if "prdc" in parts:
        values.update(timed(seconds, "prdc", lambda: prdc(real, fake, args.block)))
    seconds["total"] = sum(seconds.values())
    try:  # NumPy >= 1.26 describes its BLAS; older ones only print it
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version')}"
    except TypeError:
        blas = "see numpy.show_config()"
    print(
        json.dumps(
            {
                "seconds": seconds,
                "values": values,
                "versions": {
                    "numpy": np.__version__,
                    "scipy": scipy.__version__,
                    "blas": blas,
                },
                "peer": describe(),
            }
        )
    )


if __name__ == "__main__":
    main()
