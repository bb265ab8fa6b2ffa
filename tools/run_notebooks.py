"""Execute the workbook's notebooks headless, in order, each on a fresh kernel, and print a table of wall times.

    python tools/run_notebooks.py                  # all of notebooks/, executed copies go to build/executed/
    python tools/run_notebooks.py --inplace 02 04  # re-execute these and save their outputs in notebooks/
"""
import argparse, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'notebooks'

def select(prefixes):
    "The notebooks in reading order, or those whose names start with one of `prefixes`."
    nbs = sorted(NBS.glob('[0-9][0-9]_*.ipynb'))
    return [p for p in nbs if not prefixes or any(p.name.startswith(x) for x in prefixes)]

def execute(path: Path, out: Path, timeout: int = 600) -> float:
    "Run `path` top to bottom on a fresh kernel (cwd: notebooks/), write the result to `out`, return seconds."
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(NBS)}}).execute()
    secs = time.perf_counter() - start
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return secs

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('prefixes', nargs='*', help='run only notebooks whose names start with these, e.g. 00 04')
    ap.add_argument('--inplace', action='store_true', help='save outputs into notebooks/ (then run nbdev-clean)')
    args = ap.parse_args(argv)
    rows, failed, total = [], [], time.perf_counter()
    for p in select(args.prefixes):
        out = p if args.inplace else ROOT/'build'/'executed'/p.name
        print(f'running {p.name} …', flush=True)
        try: rows.append((p.name, f'{execute(p, out):7.1f} s'))
        except CellExecutionError as e:
            rows.append((p.name, 'FAILED')); failed.append(p.name)
            print(str(e)[-3000:], file=sys.stderr)
    width = max(len(n) for n, _ in rows) if rows else 10
    print(f"\n{'notebook':<{width}}  wall time\n{'-'*width}  ---------")
    for name, t in rows: print(f'{name:<{width}}  {t}')
    print(f"{'all':<{width}}  {time.perf_counter() - total:7.1f} s")
    if failed: sys.exit(f'failed: {", ".join(failed)}')

if __name__ == '__main__': main()
