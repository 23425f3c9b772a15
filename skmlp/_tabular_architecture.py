"""The shape of a tabular network and the layout of its parameters.

:class:`Architecture` says how wide each part of the network is, from the
encoder's layout and the estimator's parameters; :func:`make_blocks` lays the
parameters out as named blocks of one flat vector, each with the factors of
its learning rate and weight decay (:class:`Block`). The network
(:mod:`skmlp._tabular_network`) computes with them.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Architecture:
    """The shape of a tabular network, from the encoder and the parameters."""

    n_numeric: int
    n_dense: int
    cardinalities: tuple
    embedding_dim: int
    n_frequencies: int
    numeric_embedding_dim: int
    hidden_layer_sizes: tuple
    n_outputs: int
    activation: str

    @property
    def periodic(self):
        return self.n_frequencies > 0 and self.n_numeric > 0

    @property
    def n_inputs(self):
        """Width of ``H``, the first layer's input."""
        embedded = self.n_numeric * self.numeric_embedding_dim if self.periodic else 0
        categories = len(self.cardinalities) * self.embedding_dim
        return embedded + self.n_numeric + self.n_dense + categories

    @property
    def layer_units(self):
        return (self.n_inputs, *self.hidden_layer_sizes, self.n_outputs)


@dataclass(frozen=True)
class Block:
    """One named array in the flat vector, with its optimizer factors.

    A step moves the block by ``lr * lr_factor`` times Adam's direction and
    decays it by ``lr * weight_decay * decay_factor`` (decoupled decay).
    """

    name: str
    shape: tuple
    lr_factor: float
    decay_factor: float

    @property
    def size(self):
        return int(np.prod(self.shape))


def make_blocks(arch, factors, ntk=True):
    """The blocks of ``arch`` in storage order.

    ``factors`` maps a group (``'scale'``, ``'embedding'``, ``'activation'``,
    ``'bias'``) to its ``(lr_factor, decay_factor)``. Weights take ``1 /
    sqrt(fan_in)`` with ``ntk`` (1 without) and decay 1. Groups with equal
    factors sit next to each other so that the optimizer merges them into one
    segment.
    """
    blocks = [Block("scale", (arch.n_inputs,), *factors["scale"])]
    if arch.periodic:
        F, k, m = arch.n_numeric, arch.n_frequencies, arch.numeric_embedding_dim
        for name, shape in (
            ("frequencies", (F, k)),
            ("phases", (F, k)),
            ("mix_weights", (F, k, m)),
            ("mix_biases", (F, m)),
        ):
            blocks.append(Block(name, shape, *factors["embedding"]))
    for layer, width in enumerate(arch.hidden_layer_sizes):
        blocks.append(Block(f"alpha{layer}", (width,), *factors["activation"]))
    for c, cardinality in enumerate(arch.cardinalities):
        blocks.append(Block(f"table{c}", (int(cardinality), arch.embedding_dim), 1, 1))
    units = arch.layer_units
    for layer, width in enumerate(units[1:]):
        blocks.append(Block(f"b{layer}", (width,), *factors["bias"]))
    for layer, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:], strict=True)):
        rate = fan_in**-0.5 if ntk else 1.0
        blocks.append(Block(f"W{layer}", (fan_in, fan_out), rate, 1.0))
    return blocks
