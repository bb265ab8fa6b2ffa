"The spreadsheet model, its panel, and the .xlsx writer (recalculated by a real LibreOffice)."
import os, shutil, subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from nbs_lib.spreadsheet import Sheet, SheetPanel, grid_html, write_xlsx

def block(n_users=6, n_movies=5, seed=0, blanks=0.3):
    "A small ratings block with some blanks, labelled like a crosstab."
    rng = np.random.default_rng(seed)
    r = rng.integers(1, 6, (n_users, n_movies)).astype(float)
    r[rng.random(r.shape) < blanks] = np.nan
    return pd.DataFrame(r, index=pd.Index(range(101, 101 + n_users), name='user'),
                        columns=pd.Index([f'Movie {j} (199{j})' for j in range(n_movies)], name='title'))

# ---------------------------------------------------------------- the model
def test_gradient_matches_finite_differences():
    s = Sheet(block(), n_factors=3, bias=True, seed=1)
    def mse(): return s.rmse() ** 2
    before = [a.copy() for a in (s.user_factors, s.movie_factors, s.user_bias, s.movie_bias)]
    lr = 1e-3
    s.step(lr)
    analytic = [(b - a) / lr for b, a in zip(before, (s.user_factors, s.movie_factors, s.user_bias, s.movie_bias))]
    for arr, b, g in zip((s.user_factors, s.movie_factors, s.user_bias, s.movie_bias), before, analytic):
        arr[...] = b
    for arr, g in zip((s.user_factors, s.movie_factors, s.user_bias, s.movie_bias), analytic):
        for idx in [(0,) * arr.ndim, tuple(d - 1 for d in arr.shape)]:
            old = arr[idx]; arr[idx] = old + 1e-6; up = mse(); arr[idx] = old - 1e-6; down = mse(); arr[idx] = old
            assert (up - down) / 2e-6 == pytest.approx(g[idx], rel=1e-4, abs=1e-8)

def test_training_lowers_the_loss_and_fills_the_blanks():
    s = Sheet(block(), seed=3)
    start = s.rmse()
    assert s.fit(200, lr=0.5) < start / 3 and len(s.losses) == 201
    assert np.isfinite(s.predict()[~s.rated]).all()

def test_same_seed_same_sheet_and_reset_changes_it():
    a, b = Sheet(block(), seed=7), Sheet(block(), seed=7)
    assert np.array_equal(a.predict(), b.predict())
    assert not np.array_equal(a.predict(), b.reset(seed=8).predict())

@pytest.mark.parametrize('bad, msg', [(9.0, 'between 1 and 5; got 1 to 9'), (0.0, 'between 1 and 5; got 0 to 5')])
def test_ratings_off_the_scale(bad, msg):
    r = block(); r.iloc[0, 0] = bad
    with pytest.raises(ValueError, match=msg): Sheet(r)

def test_empty_block_and_bad_settings():
    with pytest.raises(ValueError, match='no ratings'): Sheet(block() * np.nan)
    with pytest.raises(ValueError, match='n_factors must be a whole number from 1 to 50'): Sheet(block(), n_factors=0)
    with pytest.raises(ValueError, match='n_factors must be a whole number'): Sheet(block(), n_factors=2.5)
    with pytest.raises(ValueError, match='learning rate must be positive'): Sheet(block()).step(-0.1)

def test_exploding_loss_says_what_to_do():
    with pytest.raises(FloatingPointError, match='exploded.*smaller learning rate'): Sheet(block()).fit(50, lr=50)

# ---------------------------------------------------------------- the panel, driven as a user would
def test_panel_step_run_reset():
    p = SheetPanel(block(), seed=5)
    grid0 = p.grid.value
    for _ in range(5): p.step_btn.click()
    assert len(p.sheet.losses) == 6 and all(b < a for a, b in zip(p.sheet.losses, p.sheet.losses[1:]))
    assert p.grid.value != grid0 and 'step 5' in p.status.value
    p.n_steps.value = 30; p.run_btn.click()
    assert len(p.sheet.losses) == 36
    p.reset_btn.click()
    assert len(p.sheet.losses) == 1 and p.sheet.seed == 6 and 'step 0' in p.status.value

def test_panel_settings_restart_the_sheet():
    p = SheetPanel(block())
    p.step_btn.click()
    p.n_factors.value = 3
    assert p.sheet.n_factors == 3 and p.sheet.user_factors.shape[1] == 3 and len(p.sheet.losses) == 1
    p.bias.value = True
    assert p.sheet.bias and 'biases switched' in p.status.value

def test_panel_controls_cannot_hold_invalid_values():
    p = SheetPanel(block())
    p.lr.value = 1e6;  assert p.lr.value == pytest.approx(10 ** 0.5)
    p.lr.value = -3;   assert p.lr.value == pytest.approx(0.01)
    p.n_steps.value = 10**9; assert p.n_steps.value == 1000
    p.n_steps.value = -5;    assert p.n_steps.value == 1
    p.n_factors.value = 99;  assert p.n_factors.value == 10

def test_panel_explains_a_diverging_run():
    p = SheetPanel(block())
    p.lr.value = 10 ** 0.5; p.n_steps.value = 200
    p.run_btn.click()                                   # no exception reaches the user
    assert '⚠' in p.status.value and 'smaller learning rate' in p.status.value

def test_grid_marks_unrated_predictions():
    html = grid_html(Sheet(block()))
    assert html.count('font-style:italic') == int(block().isna().sum().sum())

# ---------------------------------------------------------------- the .xlsx
def test_layout_is_the_course_sheet(tmp_path):
    s = Sheet(block(15, 15, blanks=0.2), n_factors=5)
    ws = load_workbook(write_xlsx(s, tmp_path/'s.xlsx'))['dotprod']
    assert ws['H25'].value == '=IF(H2="",0,MMULT($B25:$F25,H$19:H$23))'
    assert ws['H41'].value == '=SQRT(SUMXMY2(H2:V16,H25:V39)/COUNT(H2:V16))'
    assert ws['B25'].value == pytest.approx(s.user_factors[0, 0]) and ws['H19'].value == pytest.approx(s.movie_factors[0, 0])

def test_never_overwrites_unless_asked(tmp_path):
    f = tmp_path/'mine.xlsx'; f.write_bytes(b'precious')
    with pytest.raises(FileExistsError, match='overwrite=True'): write_xlsx(Sheet(block()), f)
    assert f.read_bytes() == b'precious'
    write_xlsx(Sheet(block()), f, overwrite=True)
    assert load_workbook(f)['dotprod'] is not None and list(tmp_path.iterdir()) == [f]
    with pytest.raises(ValueError, match='must end in .xlsx'): write_xlsx(Sheet(block()), tmp_path/'x.csv')

@pytest.fixture(scope='session')
def soffice(apt_tool):
    "LibreOffice's soffice, installed from Debian's packages when missing."
    return apt_tool('soffice', 'libreoffice-calc')

def recalculated(soffice, xlsx: Path, tmp: Path):
    "The workbook after LibreOffice opened it, recalculated it and saved it again."
    out = tmp/'recalc'
    subprocess.run([soffice, f'-env:UserInstallation=file://{tmp}/lo-profile', '--headless', '--calc',
                    '--convert-to', 'xlsx', '--outdir', str(out), str(xlsx)], check=True, capture_output=True, timeout=180)
    return load_workbook(out/xlsx.name, data_only=True)['dotprod']

@pytest.mark.parametrize('bias, n_factors', [(False, 5), (True, 3)])
def test_libreoffice_gets_the_notebooks_numbers(soffice, tmp_path, bias, n_factors):
    s = Sheet(block(15, 15, blanks=0.2), n_factors=n_factors, bias=bias, seed=2)
    s.fit(40, lr=0.5)
    ws = recalculated(soffice, write_xlsx(s, tmp_path/'sheet.xlsx'), tmp_path)
    c0, p0 = n_factors + 3, 15 + 4 + n_factors + 1
    got = np.array([[ws.cell(p0 + i, c0 + j).value for j in range(15)] for i in range(15)], dtype=float)
    want = np.where(s.rated, s.predict(), 0)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    assert ws.cell(p0 + 16, c0).value == pytest.approx(s.rmse(), rel=1e-9)
