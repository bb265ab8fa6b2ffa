"Models and training helpers of `nbs_lib.models` on a small synthetic ratings table."
import numpy as np
import pandas as pd
import pytest
import torch
from fastai.torch_core import set_seed
from nbs_lib.models import (DotProduct, DotProductBias, DotProductBiasParams, collab_dls, create_params, fit,
                            history, learner)

@pytest.fixture(scope='module')
def ratings():
    rng = np.random.default_rng(0)
    n = 2000
    return pd.DataFrame({'user': rng.integers(1, 60, n), 'title': [f'Movie {i}' for i in rng.integers(1, 80, n)],
                         'rating': rng.integers(1, 6, n)}).drop_duplicates(['user', 'title'])

def test_outputs_stay_in_y_range():
    x = torch.stack([torch.randint(0, 10, (64,)), torch.randint(0, 20, (64,))], 1)
    for m in (DotProduct(10, 20, 8, y_range=(0, 5.5)), DotProductBias(10, 20, 8), DotProductBiasParams(10, 20, 8)):
        out = m(x).squeeze()
        assert out.shape == (64,) and (out > 0).all() and (out < 5.5).all()
    assert DotProduct(10, 20, 8)(x).shape == (64,)

def test_parameter_version_is_the_same_model():
    emb, par = DotProductBias(10, 20, 8), DotProductBiasParams(10, 20, 8)
    with torch.no_grad():
        par.user_factors.copy_(emb.user_factors.weight); par.movie_factors.copy_(emb.movie_factors.weight)
        par.user_bias.copy_(emb.user_bias.weight[:, 0]); par.movie_bias.copy_(emb.movie_bias.weight[:, 0])
    x = torch.stack([torch.randint(0, 10, (32,)), torch.randint(0, 20, (32,))], 1)
    torch.testing.assert_close(emb(x).squeeze(1), par(x))
    assert sum(p.numel() for p in par.parameters()) == sum(p.numel() for p in emb.parameters()) == 30 * 9

def test_create_params_is_small_and_trainable():
    p = create_params(1000, 10)
    assert isinstance(p, torch.nn.Parameter) and p.requires_grad and 0.008 < p.std().item() < 0.012

def test_collab_dls_needs_its_columns(ratings):
    with pytest.raises(KeyError, match='missing: rating'): collab_dls(ratings.drop(columns='rating'))
    dls = collab_dls(ratings, bs=64)
    assert len(dls.valid_ds) == round(0.2 * len(ratings)) and dls.one_batch()[0].shape == (64, 2)

def test_fit_is_repeatable_and_records_losses(ratings):
    def run():
        dls = collab_dls(ratings, bs=64)
        set_seed(42, reproducible=True)
        learn = learner(dls, DotProductBias(len(dls.classes['user']), len(dls.classes['title']), 8))
        with learn.no_bar(), learn.no_logging(): return fit(learn, epochs=2, lr=1e-2, wd=0.1)
    a, b = run(), run()
    assert list(a.columns) == ['train_loss', 'valid_loss'] and list(a.index) == [1, 2]
    pd.testing.assert_frame_equal(a, b)

@pytest.mark.parametrize('kw', [dict(epochs=0), dict(lr=-1), dict(wd=-0.1)])
def test_fit_rejects_bad_settings(ratings, kw):
    dls = collab_dls(ratings, bs=64)
    with pytest.raises(ValueError, match='need epochs >= 1, lr > 0 and wd >= 0'):
        fit(learner(dls, DotProduct(len(dls.classes['user']), len(dls.classes['title']), 4)), **kw)
