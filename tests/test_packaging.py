"The conda environment and pyproject.toml must name the same packages with the same version ranges."
import re, tomllib
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {'pytorch': 'torch'}

def split(req: str):
    name, spec = re.match(r'([A-Za-z0-9_.\-]+)\s*(.*)', req.strip()).groups()
    return CONDA_NAMES.get(name.lower(), name.lower()), spec.replace(' ', '')

def test_environment_yml_matches_pyproject():
    proj = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']
    pip_reqs = {split(r) for r in proj['dependencies'] + proj['optional-dependencies']['dev']}
    conda = yaml.safe_load((ROOT/'environment.yml').read_text())['dependencies']
    conda_reqs = {split(d) for d in conda if isinstance(d, str) and not d.startswith(('python', 'pip'))}
    assert conda_reqs == pip_reqs

def test_constraints_pin_the_torch_on_disk():
    pins = dict(l.split('==') for l in (ROOT/'constraints.txt').read_text().splitlines() if '==' in l and not l.startswith('#'))
    assert pins['torch'] == '2.14.1' and pins['torchvision'] == '0.29.1'
