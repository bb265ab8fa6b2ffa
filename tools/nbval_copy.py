"""Copy notebooks to a folder where nbval can check them: nbdev-clean blanks execution counts, and nbval treats a
cell with outputs but no count as never run. The copy numbers the cells; the committed outputs are unchanged.

    python tools/nbval_copy.py notebooks build/nbval
"""
import shutil, sys
from pathlib import Path
import nbformat

def main(src, dst):
    src, dst = Path(src), Path(dst)
    shutil.rmtree(dst, ignore_errors=True); dst.mkdir(parents=True)
    for p in sorted(src.glob('*.ipynb')):
        nb = nbformat.read(p, as_version=4)
        code = [c for c in nb.cells if c.cell_type == 'code']
        for i, c in enumerate(code, 1): c.execution_count = i
        nbformat.write(nb, dst/p.name)

if __name__ == '__main__': main(*sys.argv[1:])
