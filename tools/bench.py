"""`make bench`: how good and how fast the workbook's models are, against the book and the classic baselines,
measured side by side in one run on this machine. Prints each table and writes docs/BENCHMARKS.md.

    python tools/bench.py            # everything (about 20 minutes on 2 CPU cores)
    python tools/bench.py --quick    # one seed, bs 1024 only, folds u1 and u2, no notebooks: checks the script runs
"""
import argparse, datetime, os, platform, statistics, sys, time
from pathlib import Path

from nbs_lib.models import DotProduct, DotProductBias, DotProductBiasParams, collab_dls, learner, fit   # first: warning filters
import numpy as np
import pandas as pd
import fastai, torch
from fastai.collab import collab_learner
from fastai.tabular.core import TabDataLoader
from fastai.torch_core import set_seed
from nbs_lib.crosstab import with_titles
from nbs_lib.data import load_ml100k, read_fold
from nbs_lib.folds import fold_dls, rmse, carve, train_l2

ROOT = Path(__file__).resolve().parents[1]
EPOCHS, LR = 5, 5e-3

# How each model is built from (dls, n_users, n_items), shared by both protocols
def _learner(cls, *args): return lambda dls, n, m: learner(dls, cls(n, m, 50, *args))
DOT_BIAS = _learner(DotProductBias)
COLLAB = lambda dls, n, m: collab_learner(dls, n_factors=50, y_range=(0, 5.5))
EMBEDDING_NN = lambda dls, n, m: collab_learner(dls, use_nn=True, y_range=(0, 5.5), layers=[100, 50])

# The book's protocol: (model, weight decay, how to build it, the valid MSE the book printed (None: not printed), main row)
BOOK_ROWS = [
    ('DotProduct', 0.01, _learner(DotProduct), 0.877, False),
    ('DotProduct + sigmoid_range', 0.01, _learner(DotProduct, (0, 5.5)), 0.878, False),
    ('DotProductBias, wd=0', 0.0, DOT_BIAS, None, False),
    ('DotProductBias, wd=0.01', 0.01, DOT_BIAS, 0.893, False),
    ('DotProductBias, wd=0.1', 0.1, DOT_BIAS, 0.823, True),
    ('create_params version, wd=0.1', 0.1, _learner(DotProductBiasParams), None, False),
    ('collab_learner, wd=0.1', 0.1, COLLAB, 0.822, True),
    ('EmbeddingNN [100,50], wd=0.1', 0.1, EMBEDDING_NN, None, True),
]
LOADERS = {'default (TabWeightedDL)': None, 'TabDataLoader': TabDataLoader}
BOOK_CONFIG = (64, 'default (TabWeightedDL)')
SEEDS = (42, 1, 2)

def timed_fit(learn, wd, seed):
    "Fit for EPOCHS epochs; return (final valid MSE, seconds)."
    start = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): h = fit(learn, EPOCHS, LR, wd, seed)
    return float(h.valid_loss.iloc[-1]), time.perf_counter() - start

def book_protocol(ratings, bss, quick):
    "One row per (model, batch size, loader): valid MSE over seeds, RMSE, s/epoch, fit seconds, and the ratio to the book's config."
    rows = []
    for bs in bss:
        for loader, dl_type in LOADERS.items():
            repeat = (bs, loader) in (BOOK_CONFIG, (256, 'default (TabWeightedDL)'), (256, 'TabDataLoader')) and not quick
            for name, wd, make, book, main in BOOK_ROWS:
                mses, secs = [], []
                for seed in (SEEDS if main and repeat else SEEDS[:1]):
                    dls = collab_dls(ratings, bs=bs, seed=seed, dl_type=dl_type)
                    set_seed(seed, reproducible=True)
                    learn = make(dls, len(dls.classes['user']), len(dls.classes['title']))
                    mse, s = timed_fit(learn, wd, seed)
                    mses.append(mse); secs.append(s)
                    print(f'  {name:32} bs {bs:4} {loader:24} seed {seed:2}: valid MSE {mse:.4f}  {s:6.1f} s', flush=True)
                rows.append(dict(model=name, bs=bs, loader=loader, seeds=len(mses), mse=statistics.mean(mses),
                                 mse_sd=statistics.stdev(mses) if len(mses) > 1 else np.nan, fit_s=statistics.median(secs), book=book))
    df = pd.DataFrame(rows)
    df['rmse'] = np.sqrt(df.mse)
    df['s_per_epoch'] = df.fit_s / EPOCHS
    ref = df[(df.bs == BOOK_CONFIG[0]) & (df.loader == BOOK_CONFIG[1])].set_index('model').fit_s
    df['time vs book config'] = df.fit_s / df.model.map(ref) if len(ref) else np.nan
    return df

def surprise_rmse(algo, base, test) -> float:
    from surprise import Dataset, Reader, accuracy
    train = Dataset.load_from_df(base[['user', 'movie', 'rating']], Reader(rating_scale=(1, 5))).build_full_trainset()
    algo.fit(train)
    return accuracy.rmse(algo.test(list(test[['user', 'movie', 'rating']].itertuples(index=False, name=None))), verbose=False)

def fastai_rmse(make, wd, base, test, bs=512):
    dls = fold_dls(base, test, bs=bs)
    set_seed(42, reproducible=True)
    learn = make(dls, len(dls.classes['user']), len(dls.classes['movie']))
    timed_fit(learn, wd, 42)
    return rmse(learn)

LAMS = (0.05, 0.1, 0.2)
def best_rmse(base, test, log):
    "DotProductBias + EmbeddingL2, full version: lam tuned on a 10% carve of this fold's training data, then one fit on all of it."
    fit_part, tune_part = carve(base)
    tune = {lam: rmse(train_l2(fold_dls(fit_part, tune_part, bs=512), lam, 100, 15, 3e-3)) for lam in LAMS}
    lam = min(tune, key=tune.get)
    log.append(lam)
    return rmse(train_l2(fold_dls(base, test, bs=512), lam, 100, 15, 3e-3))

def canonical_protocol(path, folds):
    "RMSE per fold u1..u5 for the baselines and the workbook's models (item = movie id)."
    from surprise import BaselineOnly, SVD, SVDpp
    models = {
        'global mean': lambda b, t: float(np.sqrt(((t.rating - b.rating.mean()) ** 2).mean())),
        'Surprise BaselineOnly': lambda b, t: surprise_rmse(BaselineOnly(verbose=False), b, t),
        'Surprise SVD': lambda b, t: surprise_rmse(SVD(random_state=0), b, t),
        'Surprise SVD++': lambda b, t: surprise_rmse(SVDpp(random_state=0), b, t),
        'DotProductBias (wd 0.1, 5 epochs, bs 512)': lambda b, t: fastai_rmse(DOT_BIAS, 0.1, b, t),
        'collab_learner (wd 0.1, 5 epochs, bs 512)': lambda b, t: fastai_rmse(COLLAB, 0.1, b, t),
        'EmbeddingNN [100,50] (wd 0.1, 5 epochs, bs 512)': lambda b, t: fastai_rmse(EMBEDDING_NN, 0.1, b, t),
    }
    lams = []
    models['DotProductBias + EmbeddingL2 (notebook 09, full)'] = lambda b, t: best_rmse(b, t, lams)
    res, secs = {}, {}
    for name, run in models.items():
        res[name], start = {}, time.perf_counter()
        for k in folds:
            base, test = read_fold(path, k)
            res[name][f'u{k}'] = run(base, test)
            print(f'  {name:48} u{k}: RMSE {res[name][f"u{k}"]:.4f}', flush=True)
        secs[name] = time.perf_counter() - start
    df = pd.DataFrame(res).T
    cols = list(df.columns)
    df['mean'], df['sd'] = df[cols].mean(1), df[cols].std(1)
    df['seconds (all folds)'] = pd.Series(secs)
    return df, lams

def notebook_times():
    "Wall time of executing each notebook headless on a fresh kernel (tools/run_notebooks.py), and of all of them."
    sys.path.insert(0, str(ROOT/'tools'))
    from run_notebooks import select, execute
    times = {}
    for p in select([]):
        times[p.name] = execute(p, ROOT/'build'/'bench'/p.name)
        print(f'  {p.name:32} {times[p.name]:6.1f} s', flush=True)
    times['all notebooks'] = sum(times.values())
    return pd.Series(times, name='seconds')

def md(df, floatfmt='.4f') -> str:
    return df.to_markdown(floatfmt=floatfmt)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='a fast smoke run; writes build/BENCHMARKS-quick.md instead')
    args = ap.parse_args(argv)
    started, t0 = datetime.datetime.now(datetime.timezone.utc), time.perf_counter()
    ml = load_ml100k()
    print('Book protocol (random 20% validation, split seed = seed, item = title, 5 epochs fit_one_cycle at 5e-3):', flush=True)
    book = book_protocol(with_titles(ml.ratings, ml.movies), (1024,) if args.quick else (64, 256, 1024), args.quick)
    print('Canonical protocol (u1..u5, item = movie id, RMSE):', flush=True)
    canon, lams = canonical_protocol(ml.path, (1, 2) if args.quick else range(1, 6))
    nbs = pd.Series(dtype=float) if args.quick else notebook_times()
    total = time.perf_counter() - t0

    import surprise, sklearn
    out = ROOT/('build/BENCHMARKS-quick.md' if args.quick else 'docs/BENCHMARKS.md')
    out.parent.mkdir(parents=True, exist_ok=True)
    bt = book.assign(**{'valid MSE': book.mse, '± sd (3 seeds)': book.mse_sd, 'valid RMSE': book.rmse, 's/epoch': book.s_per_epoch,
                        'fit s': book.fit_s, 'book MSE': book.book})[['model', 'bs', 'loader', 'seeds', 'valid MSE', '± sd (3 seeds)',
                        'valid RMSE', 's/epoch', 'fit s', 'time vs book config', 'book MSE']]
    cpu = os.cpu_count()
    text = f"""# Benchmarks

Generated by `make bench` (`python tools/bench.py`{' --quick' if args.quick else ''}); do not edit by hand.
Run {started:%Y-%m-%d %H:%M} UTC, {total / 60:.1f} minutes, on {platform.platform()} with {cpu} CPU cores
({platform.processor() or platform.machine()}), no GPU. Python {platform.python_version()}, torch {torch.__version__},
fastai {fastai.__version__}, pandas {pd.__version__}, scikit-learn {sklearn.__version__}, scikit-surprise {surprise.__version__}.
Every number below was measured in this one run. No GPU was lent to the session that generated this file, so there
are no GPU rows.

## 1. Book protocol

Random 20% validation split (`CollabDataLoaders.from_df`, split seed = the run's seed), item = title, 5 epochs of
`fit_one_cycle` at lr 5e-3, 50 factors. Main rows (DotProductBias wd 0.1, collab_learner, EmbeddingNN) ran with seeds
42, 1 and 2 at the book's config (bs 64, fastai's default loader) and at bs 256 with both loaders: their MSE is the
mean, `± sd` the standard deviation, their times the median. Every other row is seed 42. `time vs book config` is the
fit time divided by the same model's fit time at bs 64 with the default loader, in this run. `book MSE` is the valid
loss the book printed (blank where it printed none; the book's DotProductBias without an explicit wd ran with fastai's
default 0.01).

{md(bt.set_index('model'), '.4f')}

## 2. Canonical protocol

The five folds u1..u5 (rebuilt from `u.data` exactly as `mku.sh` does), item = movie id, RMSE on each test fold; mean
and standard deviation over the folds. Surprise's algorithms with their default parameters (`random_state=0`).
The workbook's models train with batches of 512, seed 42. The last row is notebook 09's recipe in full: 100 factors,
`EmbeddingL2(lam)` and no weight decay, 15 epochs of `fit_one_cycle` at 3e-3 in batches of 512, `lam` chosen from
{LAMS} on a 10% carve of each fold's training data (never its test fold); the chosen `lam` per fold: {lams}.

{md(canon)}

Published numbers, for orientation only: they come from other code and, for Surprise's README, another protocol
(5-fold cross-validation on random folds, not u1..u5), so they do not belong in the columns above.

| model | RMSE | protocol | source |
|---|---|---|---|
| Surprise SVD | 0.934 | random 5-fold CV | Surprise README |
| Surprise SVD++ | 0.919 | random 5-fold CV | Surprise README |
| GC-MC | 0.910 | u1 only | Berg et al. 2017, Graph Convolutional Matrix Completion |
| GLocal-K | 0.8889 | u1 only | Han et al. 2021, GLocal-K |

## 3. Notebooks

Wall time of executing each notebook top to bottom on a fresh kernel, headless (`tools/run_notebooks.py`), in order.

{md(nbs.to_frame(), '.1f') if len(nbs) else '(not run with --quick)'}
"""
    out.write_text(text)
    print(text)
    print(f'wrote {out.relative_to(ROOT)}')

if __name__ == '__main__': main()
