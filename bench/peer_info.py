"""What a benchmark peer runs on, for the tables of bench/*.ts: Python, NumPy and PyTorch versions,
PyTorch's CPU capability (the vector instructions its ATen kernels use), and every BLAS library
loaded in the process with its version, the kernels it picked for this CPU ("architecture") and
its threads (threadpoolctl, Debian's python3-threadpoolctl; None when absent).

Imported by the peers (train_step_torch.py, score_numpy.py, extract_torch.py) once their
libraries are loaded and their threads set; describe() returns a JSON-able dict.
"""

import os
import platform
import sys

# Variables that pin OpenBLAS to another CPU's kernels; bench/peer.ts unsets them for the peer.
PINNING_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def describe():
    info = {
        "python": platform.python_version(),
        "pinning": {name: os.environ.get(name) for name in PINNING_VARIABLES},
    }
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        info["numpy"] = numpy.__version__
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_cpu_capability"] = next(
            (
                line.split(":", 1)[1].strip()
                for line in torch.__config__.show().splitlines()
                if "CPU capability usage" in line
            ),
            None,
        )
    try:
        import threadpoolctl
    except ImportError:
        info["blas"] = None
    else:
        info["blas"] = [
            {key: library.get(key) for key in ("internal_api", "version", "architecture", "num_threads")}
            for library in threadpoolctl.threadpool_info()
            if library.get("user_api") == "blas"
        ]
    return info
