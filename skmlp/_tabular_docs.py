"""Docstring pieces shared by TabularMLPClassifier and TabularMLPRegressor."""

INPUT = """\
categorical_features : 'from_dtype', array-like of int or str, or boolean \
mask, default='from_dtype'
        Which columns are categorical, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`: by default
        the category, string and object columns of a DataFrame; boolean
        columns are numbers 0 and 1 (see :class:`~skmlp.TabularEncoder`).

    max_onehot_categories : int, default=8
        Categorical columns with at most this many categories are one-hot
        encoded; larger ones get a learned embedding of ``embedding_dim``.

    embedding_dim : int, default=8
        Width of the learned embedding of each high-cardinality column.

    numeric_embedding : 'periodic' or None, default='periodic'
        Embed each numeric feature ``x`` as ``cos(2 pi f x + p) V + u`` with
        its own ``n_frequencies`` learned frequencies ``f`` and phases ``p``,
        mixed down to ``numeric_embedding_dim`` values and followed by ``x``
        itself. None feeds the scaled features directly.

    n_frequencies : int, default=16
        Frequencies per numeric feature of the periodic embedding.

    numeric_embedding_dim : int, default=3
        Values per numeric feature that the periodic embedding adds.

    frequency_scale : float, default=0.1
        Standard deviation of the initial frequencies: smaller starts
        smoother.

    feature_scale : bool, default=True
        Learn a scale per input column of the first layer (a diagonal layer),
        at 6 times the learning rate: a soft, learned feature selection.
"""

NETWORK = """\
parametric_activation : bool, default=True
        Use ``z + alpha (g(z) - z)`` with a learned ``alpha`` per unit
        (starting at 1) instead of ``g(z)``.

    parametrization : {'ntk', 'standard'}, default='ntk'
        'ntk' trains each weight matrix at learning rate ``lr / sqrt(fan_in)``
        (the NTK parametrisation under Adam), the feature scales at ``6 lr``,
        the periodic embeddings, biases and ``alpha`` at ``lr / 10`` (the
        category embedding tables at ``lr``), with weight decay factors to
        match; 'standard' trains everything at ``lr``.

    init : {'data', 'random'}, default='data'
        'data' scales each unit's initial weights to unit variance on a
        sample of the training rows and places its bias so that its boundary
        passes through the data; 'random' draws weights
        ``N(0, 1 / fan_in)`` and zero biases.

    dropout : float, default=0.15
        Peak dropout rate after each hidden activation.

    dropout_schedule : {'flat_cosine', 'cosine', 'cosine_log4', \
'constant'}, default='flat_cosine'
        How the dropout rate moves over training (see
        ``learning_rate_schedule``).

    weight_decay : float, default=0.02
        Peak decoupled weight decay: each step multiplies the parameters by
        ``1 - lr * weight_decay * factor`` (the biases' factor is 0).

    weight_decay_schedule : {'flat_cosine', 'cosine', 'cosine_log4', \
'constant'}, default='flat_cosine'
        How the weight decay moves over training.
"""

OPTIMIZER = """\
learning_rate_schedule : {'cosine_log4', 'cosine', 'flat_cosine', \
'constant'}, default='cosine_log4'
        The learning rate at training progress ``t`` in [0, 1] (updated every
        batch) is ``learning_rate_init`` times: 'cosine_log4' ``(1 -
        cos(2 pi log2(1 + 15 t))) / 2``, four warm restarts that lengthen;
        'cosine' ``(1 + cos(pi t)) / 2``; 'flat_cosine' 1 for the first half
        then a half cosine to 0; 'constant' 1.

    beta_1 : float, default=0.9
        Adam's decay of the first moment.

    beta_2 : float, default=0.95
        Adam's decay of the second moment; lower than the usual 0.999, so
        that the step adapts within a few dozen batches.

    epsilon : float, default=1e-8
        Adam's numerical stabiliser.

    batch_size : int, default=256
        Rows per mini-batch.

    max_iter : int, default=256
        Epochs: the schedules run over exactly this budget.

    validation_fraction : float or None, default=0.2
        Share of the training rows held out (stratified for classifiers) to
        pick the best epoch, whose weights are kept. None trains on every row
        and keeps the last epoch. Ignored when ``X_val`` and ``y_val`` are
        passed to :meth:`fit`.

    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initialisation, the shuffling and dropout; an
        int makes fits bit-for-bit reproducible.

    verbose : bool, default=False
        Print the loss (and validation score) of every epoch.

    warm_start : bool, default=False
        Continue from the previous fit's weights, encoder and optimizer
        state, with a new run of the schedules over ``max_iter`` epochs.

    dtype : {'float32', 'float64'}, default='float32'
        Floating-point type of the encoded data, the parameters and the
        computation: float32 halves the memory and doubles the speed.
"""

ATTRIBUTES = """\
encoder_ : TabularEncoder
        The fitted preprocessing.

    numeric_embedding_ : dict of ndarray or None
        The periodic embedding's ``frequencies`` and ``phases`` (n_numeric,
        k), ``weights`` (n_numeric, k, m) and ``biases`` (n_numeric, m).

    category_embeddings_ : list of ndarray
        One table (cardinality, embedding_dim) per high-cardinality column.

    feature_scale_ : ndarray
        The learned scale of each input column of the first layer.

    coefs_ : list of ndarray
        Weight matrix of each layer (the effective weights: ``Z = A W + b``).

    intercepts_ : list of ndarray
        Bias vector of each layer.

    activation_weights_ : list of ndarray
        ``alpha`` of each hidden unit, per hidden layer.

    loss_curve_ : list of float
        Mean training loss of each epoch.

    validation_scores_ : list of float or None
        The held-out score of each epoch.

    best_epoch_ : int or None
        The epoch whose weights were kept (1-based).

    n_iter_ : int
        Epochs run.

    n_features_in_ : int
        Number of columns seen in fit.

    feature_names_in_ : ndarray of str
        Column names seen in fit, when they are all strings.
"""
