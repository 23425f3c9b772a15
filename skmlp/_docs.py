"""Docstring pieces shared by MLPClassifier and MLPRegressor.

Both estimators take the same parameters and expose the same fitted
attributes; writing each description once keeps the two docstrings in step.
"""

PARAMETERS = """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', \
'elu', 'gelu', 'silu', 'softplus'}, default='relu'
        Activation function of the hidden layers: ``f(x) = x``,
        ``1 / (1 + exp(-x))``, ``tanh(x)``, ``max(0, x)``; 'leaky_relu'
        ``max(x, 0.01 x)``; 'elu' ``x`` for ``x > 0`` else ``exp(x) - 1``;
        'gelu' ``x * Phi(x)`` (``Phi`` the standard normal CDF); 'silu'
        ``x * sigmoid(x)``; 'softplus' ``log(1 + exp(x))``.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Weight optimizer. 'lbfgs' is a quasi-Newton method that often
        converges faster and better on small data sets; 'sgd' is stochastic
        gradient descent; 'adam' the adaptive stochastic optimizer of Kingma
        and Ba, robust on large data sets.

    alpha : float, default=0.0001
        Strength of the L2 penalty ``0.5 * alpha * ||W||^2``, divided by the
        sample count (or sum of sample weights) of each batch.

    batch_size : int or 'auto', default='auto'
        Mini-batch size of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``. Ignored by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
default='constant'
        Learning-rate schedule of 'sgd' and 'adam': constant
        ``learning_rate_init``; ``learning_rate_init / (t + 1) ** power_t``
        with ``t`` the samples seen; divided by 5 whenever
        ``n_iter_no_change`` epochs bring no improvement of ``tol``; or
        'cosine', ``learning_rate_init * (1 + cos(pi * e / max_iter)) / 2``
        after ``e`` epochs. scikit-learn applies schedules to 'sgd' only.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs of the stochastic solvers, or of iterations
        of 'lbfgs'.

    shuffle : bool, default=True
        Whether to shuffle the samples at every epoch ('sgd', 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the validation split and the
        shuffling. Pass an int for reproducible results.

    tol : float, default=1e-4
        Training stops (or, with 'adaptive', the learning rate drops) when
        the loss or validation score fails to improve by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Print progress messages.

    warm_start : bool, default=False
        Reuse the weights of the previous fit as the starting point.

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd' and ``momentum > 0``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        single-output classification), stop when its score stops improving
        and restore the best weights. Stochastic solvers only.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability term of Adam.

    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    warmup_iter : int, default=0
        Epochs over which the step size of 'sgd' and 'adam' ramps up
        linearly, batch by batch, before following ``learning_rate``.

    max_grad_norm : float or None, default=None
        If set, every mini-batch gradient whose L2 norm (over all weights and
        biases) exceeds it is rescaled to that norm before the update.

    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Probability of zeroing each hidden unit during training, one rate for
        all hidden layers or one per layer (inverted dropout: survivors are
        scaled by ``1 / (1 - rate)``, prediction uses the whole network). The
        masks are drawn from ``random_state``. Stochastic solvers only.

    weight_init : {'glorot_uniform', 'glorot_normal', 'he_uniform', \
'he_normal'}, default='glorot_uniform'
        Initial weights: scikit-learn's Glorot-uniform scheme (weights and
        biases uniform), Glorot-normal, or He's uniform and normal schemes
        for ReLU-like units (these three start the biases at zero).

    early_stopping_metric : str, default='score'
        What early stopping monitors on the validation set: 'score' (the
        estimator's ``score``: accuracy or R^2), 'loss' (the training loss
        function, without the penalty), or the name of any scikit-learn
        scorer such as 'roc_auc' or 'neg_log_loss'."""

ATTRIBUTES = """\
loss_ : float
        The loss at the end of training (for stochastic solvers, the mean
        mini-batch loss of the last epoch), including the L2 penalty.

    best_loss_ : float or None
        The lowest loss reached; None when ``early_stopping=True``, which
        tracks ``best_validation_score_`` instead.

    loss_curve_ : list of float
        The loss after each epoch (stochastic solvers) or each iteration
        ('lbfgs').

    validation_scores_ : list of float or None
        Score on the validation set (held out with ``early_stopping=True``,
        or passed as ``X_val``) after each epoch, else None. The score is the
        one named by ``early_stopping_metric`` ('loss' records the default
        score here).

    validation_loss_curve_ : list of float or None
        Loss on the validation set after each epoch, without the penalty;
        None without a validation set.

    best_validation_score_ : float or None
        Best of ``validation_scores_``, or None without a validation set.

    best_validation_loss_ : float or None
        Lowest of ``validation_loss_curve_``, or None without a validation
        set.

    t_ : int
        Number of training samples seen by the stochastic solver.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        Weight matrix of each layer. The arrays are views into one flat
        parameter vector.

    intercepts_ : list of ndarray of shape (n_fan_out,)
        Bias vector of each layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    n_iter_ : int
        Number of epochs (or 'lbfgs' iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units."""
