"""scikit-learn estimators over the factorization functions: LSA, FrobeniusNMF, PoissonNMF, SeaNMF."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ...spec.topics import FROBENIUS_NMF, LSA as LSA_SPEC, POISSON_NMF, SEANMF as SEANMF_SPEC
from .frobenius import fit_frobenius, frobenius_transform
from .lsa import fit_lsa, lsa_transform
from .poisson import fit_poisson, poisson_transform
from .seanmf import fit_seanmf, seanmf_transform

__all__ = ["LSA", "FrobeniusNMF", "PoissonNMF", "SeaNMF"]

# every default comes from the model's parameter table (topicmf.spec.topics)
_L, _F, _P, _S = (LSA_SPEC.params.default, FROBENIUS_NMF.params.default, POISSON_NMF.params.default,
                  SEANMF_SPEC.params.default)


class _Factorizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared fit/transform plumbing; subclasses name the fit and fold-in functions."""

    _nonnegative = False

    def fit(self, X, y=None, **params):
        """Fit the model to X (n_docs × n_terms) and return self."""
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X, y=None, W=None, H=None):
        """Fit the model and return W, the document–topic factor of shape (n_docs, n_components)."""
        X = validate_data(self, X, accept_sparse=("csr", "csc", "coo"), dtype=(np.float64, np.float32), reset=True)
        result = self._fit(X, W, H)
        self.components_ = result.H
        self.n_components_ = result.H.shape[0]
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.loss_curve
        self.objective_ = result.objective
        self.converged_ = result.converged
        self._after_fit(result)
        return result.W

    def _after_fit(self, result):
        pass

    def transform(self, X):
        """Fold new documents in with the topics fixed: W of shape (n_docs, n_components)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc", "coo"), dtype=(np.float64, np.float32), reset=False)
        return self._transform(X)

    def inverse_transform(self, X):
        """The reconstruction W @ H of shape (n_docs, n_terms) for W of shape (n_docs, n_components)."""
        check_is_fitted(self)
        W = np.asarray(X, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != self.components_.shape[0]:
            raise ValueError(f"Expected W with {self.components_.shape[0]} columns; got shape {W.shape}")
        return W @ self.components_

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self._nonnegative
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


class LSA(_Factorizer):
    """Latent semantic analysis: the truncated SVD of X, split between W and H.

    Parameters
    ----------
    n_components : int, default=10
    solver : {"randomized", "arpack", "dense", "als", "gd", "sgd"}, default="randomized"
    sigma : {"left", "right", "sqrt"}, default="left"
        W = ŨΣ, H = Ṽᵀ; W = Ũ, H = ΣṼᵀ; or W = Ũ√Σ, H = √ΣṼᵀ.
    n_power_iter : int, default=5
    n_oversamples : int, default=10
    max_iter : int, default=200
    tol : float, default=1e-6
    alpha_W, alpha_H : float, default=0
        L2 weights for the iterative solvers.
    learning_rate : float or None
    random_state : int, Generator or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    singular_values_ : ndarray of shape (n_components,)
    explained_variance_ratio_ : ndarray of shape (n_components,)
        σ²/‖X‖²_F (uncentred, unlike scikit-learn's TruncatedSVD).
    n_iter_, loss_curve_, objective_, converged_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3., 0, 1], [2, 0, 0], [0, 4, 1], [0, 3, 2]])
    >>> lsa = LSA(n_components=2, solver="dense").fit(X)
    >>> lsa.singular_values_.round(3)
    array([5.452, 3.645])
    """

    def __init__(self, n_components=_L("n_components"), *, solver=_L("solver"), sigma=_L("sigma"),
                 n_power_iter=_L("n_power_iter"), n_oversamples=_L("n_oversamples"), max_iter=_L("max_iter"),
                 tol=_L("tol"), alpha_W=_L("alpha_W"), alpha_H=_L("alpha_H"), learning_rate=_L("learning_rate"),
                 random_state=_L("random_state")):
        self.n_components = n_components
        self.solver = solver
        self.sigma = sigma
        self.n_power_iter = n_power_iter
        self.n_oversamples = n_oversamples
        self.max_iter = max_iter
        self.tol = tol
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.learning_rate = learning_rate
        self.random_state = random_state

    def _fit(self, X, W, H):
        if W is not None or H is not None:
            raise ValueError("LSA takes no initial W or H")
        return fit_lsa(X, **self.get_params())

    def _after_fit(self, result):
        self.singular_values_ = result.singular_values
        self.explained_variance_ratio_ = result.explained_variance_ratio

    def _transform(self, X):
        return lsa_transform(X, self.components_, alpha_W=self.alpha_W)  # 0 unless an iterative solver took one


class _NMF(_Factorizer):
    """Shared plumbing of the NMF estimators: every parameter goes to the fit function as it is."""

    _nonnegative = True

    def _fit(self, X, W, H):
        params = self.get_params()
        if W is not None or H is not None:
            params["init"] = "custom"
        return self._fit_function(X, **params, W=W, H=H)

    def _transform(self, X):
        return self._fold_in(X, self.components_, alpha_W=self.alpha_W, l1_W=self.l1_W)


class FrobeniusNMF(_NMF):
    """Non-negative matrix factorization with the squared Frobenius loss.

    Minimises ½‖X − WH‖²_F + ½α_W‖W‖²_F + ½α_H‖H‖²_F + λ_W ΣW + λ_H ΣH over
    W, H ≥ 0 (scikit-learn's scaling, without its n_features/n_samples factors).

    Parameters
    ----------
    n_components : int, default=10
    solver : {"hals", "mu", "als", "sgd"}, default="hals"
    init : {"nndsvda", "nndsvd", "random"}, default="nndsvda"
        ``fit_transform(X, W=..., H=...)`` starts from given factors.
    max_iter : int, default=200
    tol : float, default=5e-8
        Stop when the objective falls by less than this (relative) in an
        iteration (see :func:`~topicmf.factorize.fit_frobenius`).
    alpha_W, alpha_H, l1_W, l1_H : float, default=0
    learning_rate : float, default=0.5
        SGD only: the step as a fraction of 1/L.
    extrapolate : bool, default=True
        HALS only: start each iteration from an extrapolated H.
    random_state : int, Generator or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    n_iter_, loss_curve_, objective_, converged_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3., 0, 1], [2, 0, 0], [0, 4, 1], [0, 3, 2]])
    >>> W = FrobeniusNMF(n_components=2, random_state=0).fit_transform(X)
    >>> W.shape, bool((W >= 0).all())
    ((4, 2), True)
    """

    _fit_function = staticmethod(fit_frobenius)
    _fold_in = staticmethod(frobenius_transform)

    def __init__(self, n_components=_F("n_components"), *, solver=_F("solver"), init=_F("init"),
                 max_iter=_F("max_iter"), tol=_F("tol"), alpha_W=_F("alpha_W"), alpha_H=_F("alpha_H"),
                 l1_W=_F("l1_W"), l1_H=_F("l1_H"), learning_rate=_F("learning_rate"), extrapolate=_F("extrapolate"),
                 random_state=_F("random_state")):
        self.n_components = n_components
        self.solver = solver
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_W = l1_W
        self.l1_H = l1_H
        self.learning_rate = learning_rate
        self.extrapolate = extrapolate
        self.random_state = random_state


class PoissonNMF(_NMF):
    """Non-negative matrix factorization of counts with the Poisson (KL) loss.

    Minimises D(X‖WH) + ½α_W‖W‖²_F + ½α_H‖H‖²_F + λ_W ΣW + λ_H ΣH over
    W, H ≥ 0, where D is the generalized KL divergence (the Poisson negative
    log-likelihood of x_ij ~ Poisson((WH)_ij) up to a constant).

    Parameters
    ----------
    n_components : int, default=10
    solver : {"cd", "mu", "sgd"}, default="cd"
    init : {"nndsvda", "nndsvd", "random"}, default="nndsvda"
    max_iter : int, default=200
    tol : float, default=1e-4
        Stop when the objective falls by less than this (relative) in an
        iteration.
    alpha_W, alpha_H, l1_W, l1_H : float, default=0
    learning_rate : float, default=1
        SGD only: 1 makes an epoch a multiplicative update in expectation.
    n_inner : int, default=1
        CD only: Newton passes over each row per half-iteration.
    background : float in [0, 1), default=0
        The share of every row's counts given to a fixed background of the
        columns' overall frequencies, x_ij ~ Poisson((WH)_ij + β (Σ_j x_ij) p_j)
        (``cd`` and ``mu``; see :mod:`topicmf.factorize.topics.poisson`).
    random_state : int, Generator or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    background_ : ndarray of shape (n_features,) or None
        The background's profile p (with ``background`` > 0).
    n_iter_, loss_curve_, objective_, converged_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3., 0, 1], [2, 0, 0], [0, 4, 1], [0, 3, 2]])
    >>> model = PoissonNMF(n_components=2, random_state=0).fit(X)
    >>> model.components_.shape
    (2, 3)
    """

    _fit_function = staticmethod(fit_poisson)
    _fold_in = staticmethod(poisson_transform)

    def __init__(self, n_components=_P("n_components"), *, solver=_P("solver"), init=_P("init"),
                 max_iter=_P("max_iter"), tol=_P("tol"), alpha_W=_P("alpha_W"), alpha_H=_P("alpha_H"),
                 l1_W=_P("l1_W"), l1_H=_P("l1_H"), learning_rate=_P("learning_rate"), n_inner=_P("n_inner"),
                 background=_P("background"), random_state=_P("random_state")):
        self.n_components = n_components
        self.solver = solver
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_W = l1_W
        self.l1_H = l1_H
        self.learning_rate = learning_rate
        self.n_inner = n_inner
        self.background = background
        self.random_state = random_state

    def _after_fit(self, result):
        self.background_ = result.background

    def _transform(self, X):
        return poisson_transform(X, self.components_, alpha_W=self.alpha_W, l1_W=self.l1_W,
                                 background=self.background if self.background_ is not None else 0.0,
                                 background_profile=self.background_)


class SeaNMF(_NMF):
    """The short-text model: SeaNMF, then one topic per document (:mod:`topicmf.factorize.topics.seanmf`).

    The documents (X, non-negative, typically tf-idf rows) are factorized jointly with the shifted
    positive PMI of the word pairs that share a document, so that short documents borrow which words
    go together from the whole corpus; a context-smoothed mixture of unigrams then gives each
    document its topic; the topics' words are refitted to those documents.

    Parameters
    ----------
    n_components : int, default=10
    solver : {"hals"}, default="hals"
    init : {"random"}, default="random"
        ``fit_transform(X, W=..., H=...)`` starts from given factors.
    max_iter : int, default=150
    tol : float, default=1e-4
    context_weight : float, default=3
        α, the weight of the word–context matrix.
    context_shift : float, default=1
        κ, the PMI shift.
    smoothing, expansion : float, default=0.5
        The mixture's context smoothing of the topics' distributions and counts.
    mixture_iter : int, default=50
        EM rounds at most; 0 keeps SeaNMF's own shares.
    random_state : int, Generator or None

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    n_iter_, loss_curve_, objective_, converged_

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1., 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1], [1, 0, 0, 0], [0, 0, 0, 1]])
    >>> W = SeaNMF(n_components=2, random_state=0).fit_transform(X)
    >>> bool(W[0].argmax() == W[1].argmax() != W[2].argmax() == W[3].argmax())
    True
    """

    _fit_function = staticmethod(fit_seanmf)

    def __init__(self, n_components=_S("n_components"), *, solver=_S("solver"), init=_S("init"),
                 max_iter=_S("max_iter"), tol=_S("tol"), context_weight=_S("context_weight"),
                 context_shift=_S("context_shift"), smoothing=_S("smoothing"), expansion=_S("expansion"),
                 mixture_iter=_S("mixture_iter"), random_state=_S("random_state")):
        self.n_components = n_components
        self.solver = solver
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.context_weight = context_weight
        self.context_shift = context_shift
        self.smoothing = smoothing
        self.expansion = expansion
        self.mixture_iter = mixture_iter
        self.random_state = random_state

    def _transform(self, X):
        return seanmf_transform(X, self.components_)
