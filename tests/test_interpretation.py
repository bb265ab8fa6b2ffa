"Interpretation helpers of `nbs_lib.interpretation`, on a hand-made movie table."
import matplotlib
matplotlib.use('Agg')
import numpy as np
import pandas as pd
import pytest
from nbs_lib.interpretation import NeighbourPicker, check_title, factor_matrix, pca_movies, similar_movies

def table(factors, n_ratings, titles=None):
    titles = titles or [f'Movie {i} (1990)' for i in range(len(factors))]
    df = pd.DataFrame({'bias': 0.0, 'n_ratings': n_ratings, 'mean_rating': 3.0}, index=pd.Index(titles, name='title'))
    return df.join(pd.DataFrame(np.asarray(factors, float), index=df.index, columns=[f'f{i}' for i in range(len(factors[0]))]))

MOVIES = table([[1, 0], [2, 0.1], [0.1, 1], [-1, 0], [10, 10]], [50, 100, 80, 60, 5],
               ['Alien (1979)', 'Aliens (1986)', 'Amelie (2001)', 'Annie (1982)', 'Blockbuster (1999)'])

def test_factor_matrix_reads_the_factor_columns_only():
    assert factor_matrix(MOVIES).shape == (5, 2) and factor_matrix(MOVIES)[1].tolist() == [2, 0.1]

def test_cosine_ignores_length_and_dot_rewards_it():
    cos = similar_movies(MOVIES, 'Alien (1979)', n=2)
    dot = similar_movies(MOVIES, 'Alien (1979)', n=2, metric='dot')
    assert cos.index[0] == 'Aliens (1986)' and cos.similarity.iloc[0] == pytest.approx(2 / np.hypot(2, 0.1))
    assert dot.index[0] == 'Blockbuster (1999)' and dot.similarity.iloc[0] == 10
    assert 'Alien (1979)' not in cos.index

def test_min_ratings_filters_neighbours():
    assert 'Blockbuster (1999)' not in similar_movies(MOVIES, 'Alien (1979)', metric='dot', min_ratings=10).index

def test_unknown_title_and_bad_metric_are_explained():
    with pytest.raises(KeyError, match=r"'Alien' is not a title the model knows. Did you mean: Alien \(1979\)"):
        similar_movies(MOVIES, 'Alien')
    with pytest.raises(KeyError, match='Titles look like'): check_title(MOVIES.index, 'zzzzzzzzzz')
    with pytest.raises(ValueError, match="metric must be 'cosine' or 'dot'"): similar_movies(MOVIES, 'Alien (1979)', metric='l2')

def test_pca_signs_are_fixed():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(40, 6))
    a, _ = pca_movies(table(f, list(range(40))), n_top=40)
    b, _ = pca_movies(table(-f, list(range(40))), n_top=40)     # flipping every factor flips PCA's signs
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-9)
    assert all(a[c].loc[a[c].abs().idxmax()] > 0 for c in a)       # the extreme movie of each axis is positive

def test_pca_keeps_the_most_rated():
    scores, pca = pca_movies(table(np.random.default_rng(1).normal(size=(30, 4)), list(range(30))), n_top=10, n_components=2)
    assert len(scores) == 10 and set(scores.index) == {f'Movie {i} (1990)' for i in range(20, 30)}
    assert list(scores.columns) == ['PC1', 'PC2'] and 0 < pca.explained_variance_ratio_.sum() <= 1

def test_picker_shows_neighbours_or_a_message():
    p = NeighbourPicker(MOVIES, n=2, min_ratings=0, value='Alien (1979)')
    assert 'nearest to <b>Alien (1979)</b>' in p.message.value and 'Aliens (1986)' in p.out.value
    p.box.value = 'Alein'
    assert 'is not a title the model knows' in p.message.value and p.out.value == ''
    p.box.value = '   '
    assert p.message.value == '' and p.out.value == ''
