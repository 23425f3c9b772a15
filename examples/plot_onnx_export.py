"""
Exporting a pipeline to ONNX and serving it with onnxruntime
============================================================

A trained model often has to run where Python and scikit-learn are not
installed: in a C++ or Java service, on a phone, in a browser. `ONNX
<https://onnx.ai>`_ describes a model as a graph of standard operators, which
`onnxruntime <https://onnxruntime.ai>`_ and other runtimes execute. skl2onnx
converts scikit-learn models and pipelines to ONNX; importing
:mod:`skmlp.onnx` teaches it skmlp's estimators, every hidden activation and
head included.

The data are the Wisconsin breast cancer measurements bundled with
scikit-learn: 30 features of 569 tumours, benign or malignant.
``pip install "skmlp[onnx]"`` installs skl2onnx, onnx and onnxruntime.
"""

# %%
# A pipeline to deploy
# --------------------
# Scaling belongs in the pipeline, so that the exported graph takes raw
# measurements. GELU is one of the activations scikit-learn's MLP does not
# have; its ONNX form is the exact erf formula skmlp uses.
import warnings
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from onnx import TensorProto
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp.onnx  # noqa: F401  (registers skmlp's converters with skl2onnx)
from skmlp import MLPClassifier

data = load_breast_cancer()
X, y = data.data, data.target_names[data.target]  # labels "malignant", "benign"
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

model = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        hidden_layer_sizes=(32, 16),
        activation="gelu",
        alpha=1e-3,
        max_iter=200,
        random_state=0,
    ),
).fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# Conversion
# ----------
# ``to_onnx`` takes the fitted pipeline and an example of its input, from
# which it reads the number of features and the type: ``float32`` here, the
# usual type of a served model. ``zipmap=False`` returns the probabilities as
# one matrix rather than one dictionary per sample.
onx = to_onnx(
    model,
    X_train[:1].astype(np.float32),
    options={id(model[-1]): {"zipmap": False}},
)
(graph_input,) = onx.graph.input
element_type = TensorProto.DataType.Name(graph_input.type.tensor_type.elem_type)
print("input:", graph_input.name, element_type)
print("outputs:", [o.name for o in onx.graph.output])
print("operators:", dict(Counter(node.op_type for node in onx.graph.node)))

# %%
# The scaler became a ``Scaler`` node, each layer a ``Gemm`` (matrix product
# plus intercepts), GELU an ``Erf`` with the arithmetic around it, and the
# binary head two ``Sigmoid`` nodes, one per class, as ``predict_proba``
# computes them; ``Max`` and ``Min`` keep the scores and probabilities within
# the bounds skmlp keeps them in. ``onx.SerializeToString()`` is the content
# of a ``.onnx`` file; here it stays in memory and goes straight to
# onnxruntime.
session = ort.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, proba = session.run(None, {"X": X_test.astype(np.float32)})
print("labels:", labels[:5])
print("probabilities:\n", proba[:5].round(4))

# %%
# The same predictions
# --------------------
# onnxruntime computes in ``float32`` what skmlp computes in ``float64``, so
# the probabilities differ by the rounding of single precision and the labels
# are the same. Converted with a ``float64`` input, the graph computes in
# double precision and agrees to the last digits.
skmlp_proba = model.predict_proba(X_test)
print("same labels:", bool(np.all(labels == model.predict(X_test))))
print(f"float32 graph, largest difference: {np.abs(proba - skmlp_proba).max():.1e}")

onx64 = to_onnx(model, X_train[:1], options={id(model[-1]): {"zipmap": False}})
session64 = ort.InferenceSession(
    onx64.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels64, proba64 = session64.run(None, {"X": X_test})
print("same labels:", bool(np.all(labels64 == model.predict(X_test))))
print(f"float64 graph, largest difference: {np.abs(proba64 - skmlp_proba).max():.1e}")

# %%
# Sample by sample, the differences sit at the rounding error of each type:
# about ``1e-7`` of a probability in ``float32``, ``1e-16`` in ``float64``
# (zero where both round to the same number, drawn at the bottom).
malignant = list(model.classes_).index("malignant")
floor = 1e-18
fig, ax = plt.subplots(figsize=(7, 4))
for name, onnx_proba in [("float32 graph", proba), ("float64 graph", proba64)]:
    difference = np.abs(onnx_proba[:, malignant] - skmlp_proba[:, malignant])
    ax.scatter(
        skmlp_proba[:, malignant], np.maximum(difference, floor), s=12, label=name
    )
ax.set_yscale("log")
ax.set_xlabel("P(malignant) from skmlp")
ax.set_ylabel("|onnxruntime - skmlp|")
ax.set_title("onnxruntime against skmlp on the test tumours")
ax.legend()
plt.tight_layout()
plt.show()

# %%
# Beyond this example
# -------------------
# :class:`~skmlp.MLPRegressor` converts the same way, with one output of shape
# ``(n_samples, n_outputs)``; a multi-label classifier's label output is its
# 0/1 indicator matrix. A model ONNX cannot express raises an error that
# names what is missing, and an estimator added to skmlp later needs one
# call to :func:`skmlp.onnx.register_estimator`.
