"""The same network and training loop in PyTorch eager mode on the CPU.

torch is an optional dependency of the benchmarks only.  The loop mirrors what
``MLPClassifier(solver="adam")`` does:

* ``nn.Linear`` layers with ReLU, Glorot-uniform initialisation like sklearn;
* softmax cross-entropy (mean over the mini-batch);
* ``torch.optim.Adam`` with the same learning rate, betas and eps.  sklearn adds
  ``alpha * W / batch_size`` to the gradient of the mean loss, for weights only,
  so the weights get ``weight_decay=alpha / batch_size`` and the biases none
  (the last, shorter batch of an epoch is the only place this differs);
* each epoch draws a fresh permutation and gathers the mini-batches from the
  data tensor by index (``shuffle=True``);
* float32 or float64 parameters matching the input array.
"""

from __future__ import annotations

import time

import numpy as np

from .common import ALPHA, BETAS, EPSILON, LEARNING_RATE, SEED
from .machine import wait_quiet


def available() -> bool:
    try:
        import torch  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    return True


def version() -> str:
    import torch

    return torch.__version__


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def build(n_in: int, hidden, n_out: int, dtype, seed: int = SEED):
    """nn.Sequential of Linear/ReLU with sklearn's Glorot-uniform init."""
    import torch
    from torch import nn

    gen = torch.Generator().manual_seed(seed)
    sizes = [n_in, *hidden, n_out]
    layers: list = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layer = nn.Linear(fan_in, fan_out, dtype=dtype)
        bound = float(np.sqrt(6.0 / (fan_in + fan_out)))
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.uniform_(-bound, bound, generator=gen)
        layers += [layer, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def fit(
    X: np.ndarray,
    y: np.ndarray,
    hidden,
    batch_size: int,
    epochs: int,
    *,
    track_loss: bool = False,
    wait: bool = False,
    seed: int = SEED,
):
    """Train; return (seconds per epoch, last-epoch loss or None, model).

    With ``track_loss`` the epoch loss is computed exactly as sklearn's ``loss_``
    (mean cross-entropy plus ``0.5 * alpha * ||W||^2 / n_samples`` summed over the
    batches); the timing runs leave that bookkeeping out.
    """
    import torch
    import torch.nn.functional as F

    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    data = torch.from_numpy(np.ascontiguousarray(X))
    target = torch.from_numpy(np.asarray(y, dtype=np.int64))
    n = data.shape[0]
    if wait:
        wait_quiet()
    start = time.perf_counter()
    model = build(data.shape[1], hidden, int(target.max()) + 1, dtype, seed)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    optimizer = torch.optim.Adam(
        [
            {"params": weights, "weight_decay": ALPHA / batch_size},
            {"params": biases, "weight_decay": 0.0},
        ],
        lr=LEARNING_RATE,
        betas=BETAS,
        eps=EPSILON,
    )
    gen = torch.Generator().manual_seed(seed)
    epoch_loss = None
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for lo in range(0, n, batch_size):
            idx = order[lo : lo + batch_size]
            xb, yb = data.index_select(0, idx), target.index_select(0, idx)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            if track_loss:
                with torch.no_grad():
                    penalty = sum(float((w * w).sum()) for w in weights)
                total += loss.detach().item() * len(idx) + 0.5 * ALPHA * penalty
            optimizer.step()
        epoch_loss = total / n if track_loss else None
    elapsed = time.perf_counter() - start
    return elapsed / max(epochs, 1), epoch_loss, model


def predict(model, X: np.ndarray) -> np.ndarray:
    """Class indices predicted by a model from ``fit``."""
    import torch

    with torch.inference_mode():
        return model(torch.from_numpy(np.ascontiguousarray(X))).argmax(dim=1).numpy()
