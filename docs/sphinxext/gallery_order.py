"""The order of the examples in the gallery: from a first model to scaling up.

Examples not listed come after the listed ones, sorted by file name, so a new
example shows up even before it is placed here.
"""

ORDER = [
    "quickstart.py",
    "plot_penguins_pipeline.py",
    "plot_tabular_dataframe.py",
    "plot_regression_cars.py",
    "plot_loss_curves.py",
    "plot_activations_moons.py",
    "plot_class_weights.py",
    "plot_hidden_features.py",
    "plot_streaming_partial_fit.py",
    "dask_grid_search.py",
    "plot_onnx_export.py",
    "plot_speed_comparison.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return (ORDER.index(filename), filename)
        return (len(ORDER), filename)

    def __repr__(self):
        return "ExampleOrder"
