"Loss-curve helpers of `nbs_lib.training`."
import matplotlib
matplotlib.use('Agg')
import pandas as pd
import pytest
from nbs_lib.training import loss_table, plot_losses

def hist(train, valid):
    return pd.DataFrame({'train_loss': train, 'valid_loss': valid}, index=pd.RangeIndex(1, len(train) + 1, name='epoch'))

RUNS = {'a': hist([1.0, 0.6, 0.4], [0.9, 0.8, 0.85]), 'b': hist([1.0, 0.8, 0.7], [0.95, 0.85, 0.82])}

def test_loss_table():
    t = loss_table(RUNS)
    assert t.loc['a', 'best epoch'] == 2 and t.loc['a', 'best valid MSE'] == 0.8 and t.loc['a', 'valid MSE'] == 0.85
    assert t.loc['b', 'valid RMSE'] == pytest.approx(0.82 ** 0.5) and t['valid MSE'].idxmin() == 'b'

def test_plot_losses_draws_two_lines_per_run():
    ax = plot_losses(RUNS)
    assert len(ax.lines) == 4 and [l.get_linestyle() for l in ax.lines] == ['-', '--', '-', '--']
    with pytest.raises(ValueError, match='at least one run'): plot_losses({})
