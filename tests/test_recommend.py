"Recommendation, fold-in, ranking metrics and the cold-start panel of `nbs_lib.recommend`, on a small hand-made model."
import numpy as np
import pandas as pd
import pytest
from nbs_lib.recommend import (ColdStartPanel, FactorModel, average_user, check_ratings, explain_score, fold_in,
                               ndcg_at_k, popular, precision_at_k, recommend, top_n)

TITLES = [f'Film {c} (2000)' for c in 'ABCDEFGH']

@pytest.fixture(scope='module')
def fm():
    rng = np.random.default_rng(0)
    return FactorModel(pd.Index([1, 2, 3], name='user'), pd.Index(TITLES, name='title'),
                       rng.normal(size=(3, 4)), rng.normal(size=3) * 0.1, rng.normal(size=(8, 4)), rng.normal(size=8) * 0.1)

def test_scores_are_sigmoid_range_of_the_raw_score(fm):
    f, b = fm.user(2)
    raw = fm.movie_factors @ f + b + fm.movie_bias
    np.testing.assert_allclose(fm.scores(f, b).to_numpy(), 5.5 / (1 + np.exp(-raw)))
    every = fm.raw(fm.user_factors, fm.user_bias)                    # all users at once: one row per user
    assert every.shape == (3, 8)
    np.testing.assert_allclose(every[1], raw, rtol=1e-6)

def test_recommend_leaves_out_seen_and_sorts(fm):
    ratings = pd.DataFrame({'user': [1, 1, 2], 'title': TITLES[:2] + TITLES[:1], 'rating': [5, 3, 4]})
    rec = recommend(fm, 1, ratings, n=3)
    assert len(rec) == 3 and not set(rec.index) & set(TITLES[:2]) and rec.predicted.is_monotonic_decreasing
    assert rec.loc[rec.index[0], 'n_ratings'] in (0, 1)
    with pytest.raises(KeyError, match="user 99 is not in the model's training data; its users are 1 to 3"):
        recommend(fm, 99, ratings)
    with pytest.raises(ValueError, match='n must be at least 1'): top_n(fm.scores(*fm.user(1)), n=0)

def test_explain_score_adds_up(fm):
    parts = explain_score(fm, 3, TITLES[4], top=2)
    assert list(parts.index[:2]) == ['user bias', 'movie bias'] and parts.index[-1] == 'other 2 factors'
    assert parts.sum() == pytest.approx(fm.raw(*fm.user(3))[4])
    with pytest.raises(KeyError, match='Did you mean: Film A'): explain_score(fm, 3, 'Film A')

def test_fold_in_solves_the_ridge_problem(fm):
    stars, idx = np.array([5, 1, 4]), [0, 3, 5]
    f, b = fold_in(fm, {TITLES[i]: int(r) for i, r in zip(idx, stars)}, lam=2.0)
    w, w0 = np.append(f, b), np.append(*average_user(fm))
    X = np.hstack([fm.movie_factors[idx], np.ones((3, 1))])
    z = np.log(stars / 5.5 / (1 - stars / 5.5)) - fm.movie_bias[idx]
    np.testing.assert_allclose(X.T @ (X @ w - z) + 2.0 * (w - w0), 0, atol=1e-9)    # the ridge objective's gradient is 0
    s, a = fm.scores(f, b), fm.scores(*average_user(fm))
    assert s[TITLES[0]] > a[TITLES[0]] and s[TITLES[3]] < a[TITLES[3]]                # liked up, disliked down

def test_fold_in_without_ratings_is_the_average_user(fm):
    f, b = fold_in(fm, {})
    af, ab = average_user(fm)
    np.testing.assert_allclose(f, af); assert b == pytest.approx(ab)
    f, b = fold_in(fm, {TITLES[0]: 5}, lam=1e9)                    # an enormous ridge keeps the prior
    np.testing.assert_allclose(f, af, atol=1e-6)

def test_fold_in_rejects_bad_input(fm):
    with pytest.raises(KeyError, match='is not a title the model knows'): fold_in(fm, {'Nope (1999)': 4})
    for bad in (0, 6, 4.5, '4', True):
        with pytest.raises(ValueError, match='whole stars from 1 to 5'): fold_in(fm, {TITLES[0]: bad})
    with pytest.raises(ValueError, match='rated twice'): check_ratings(fm, [(TITLES[0], 4), (TITLES[0], 5)])
    with pytest.raises(ValueError, match='lam must be positive'): fold_in(fm, {TITLES[0]: 4}, lam=0)
    assert check_ratings(fm, [(TITLES[0], 4.0)]) == {TITLES[0]: 4}

def test_popular():
    r = pd.DataFrame({'title': list('aabbbc')})
    assert list(popular(r, 2)) == ['b', 'a'] and list(popular(r, 2, exclude=['b'])) == ['a', 'c']

def test_metrics_on_a_hand_computed_example():
    true = pd.DataFrame({'user': [1, 1, 1, 2, 2], 'title': list('abcde'), 'rating': [5, 2, 4, 4, 1]})
    pred = pd.DataFrame({'user': [1, 1, 1, 2, 2], 'title': list('abcde'), 'prediction': [3.0, 3.5, 4.0, 4.5, 2.0]})
    # user 1: top 2 = c (hit), b; user 2: top 2 = d (hit), e
    assert precision_at_k(true, pred, k=2) == pytest.approx(0.5)
    assert ndcg_at_k(true, pred, k=2) == pytest.approx((1 / (1 + 1 / np.log2(3)) + 1) / 2)
    assert precision_at_k(true, pred, k=1) == pytest.approx(1.0) and ndcg_at_k(true, pred, k=1) == pytest.approx(1.0)
    # a perfect ranking has NDCG 1, whatever k
    perfect = true.rename(columns={'rating': 'prediction'})
    assert ndcg_at_k(true, perfect, k=3) == pytest.approx(1.0)
    # users without any relevant item are left out; unknown predictions count as misses
    assert precision_at_k(true.assign(rating=[1, 1, 1, 4, 1]), pred, k=2) == pytest.approx(0.5)
    with pytest.raises(KeyError, match='missing columns'): precision_at_k(true, pred.drop(columns='prediction'))
    with pytest.raises(ValueError, match='k must be at least 1'): ndcg_at_k(true, pred, k=0)

def test_cold_start_panel_messages(fm):
    p = ColdStartPanel(fm, n=3, min_ratings=2)
    assert 'Rate at least 2 movies' in p.message.value and p.recs.value == ''
    p.add('', 4);                assert 'Type or pick a title first' in p.message.value
    p.add('Film Z (2000)', 4);   assert 'is not a title the model knows' in p.message.value
    p.add(TITLES[0], 9);         assert 'whole stars from 1 to 5' in p.message.value and p.rated == {}
    p.add(TITLES[0], 5);         assert '(1 so far)' in p.message.value
    p.add(TITLES[0], 3);         assert 'You already rated' in p.message.value and p.rated == {TITLES[0]: 5}
    p.title.value, p.stars.value = TITLES[1], 2
    p.add_button.click()
    assert p.rated == {TITLES[0]: 5, TITLES[1]: 2} and p.recs.value.count('<tr>') == 3
    assert TITLES[0] not in p.recs.value and 'Recommendations from your 2 ratings' in p.message.value
    p.clear_button.click()
    assert p.rated == {} and p.recs.value == ''
