"""A real JupyterLab on 127.0.0.1 (random port and token, a temporary copy of notebooks/) driven by headless Chromium.

Chromium comes from Debian's packages (installed here when missing), never downloaded by Playwright. Screenshots
of each scenario's last state go to build/e2e-screenshots/, also when a step fails.
"""
import json, os, secrets, shutil, signal, socket, subprocess, sys, time
import urllib.request
from pathlib import Path
import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT/'build'/'e2e-screenshots'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='session')
def chromium(apt_tool):
    "Debian's Chromium (with chromium-driver), installed when missing."
    apt_tool('chromium', 'chromium', 'chromium-driver')
    return '/usr/bin/chromium'

@pytest.fixture(scope='session')
def lab(tmp_path_factory):
    "The URL and token of a JupyterLab serving a temporary copy of notebooks/, shut down at the end of the session."
    home = tmp_path_factory.mktemp('lab')
    shutil.copytree(ROOT/'notebooks', home/'notebooks', ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    settings = home/'settings'/'@jupyterlab'/'notebook-extension'
    settings.mkdir(parents=True)
    (settings/'tracker.jupyterlab-settings').write_text(json.dumps({'windowingMode': 'none'}))   # render every cell
    (home/'settings'/'@jupyterlab'/'apputils-extension').mkdir(parents=True)
    (home/'settings'/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings').write_text(
        json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home/'settings'), JUPYTERLAB_WORKSPACES_DIR=str(home/'workspaces'),
               JUPYTER_CONFIG_DIR=str(home/'config'), JUPYTER_RUNTIME_DIR=str(home/'runtime'),
               COLLAB_WORKBOOK_DATA=str(ROOT/'data'))
    log = open(home/'lab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={home/"notebooks"}',
                             '--ServerApp.port_retries=0', '--LabApp.news_url=', *(['--allow-root'] if os.geteuid() == 0 else [])],
                            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            if proc.poll() is not None: pytest.fail(f'JupyterLab exited with {proc.returncode}:\n{(home/"lab.log").read_text()[-3000:]}')
            try:
                urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
            except OSError: time.sleep(0.5)
        else: pytest.fail(f'JupyterLab did not answer in 60 s:\n{(home/"lab.log").read_text()[-3000:]}')
        yield url, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try: proc.wait(15)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()
        log.close()

@pytest.fixture(scope='session')
def browser(chromium):
    "Headless Chromium through Playwright, closed at the end of the session."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=FLAGS)     # Playwright gives each launch a fresh profile dir
        try: yield b
        finally: b.close()

@pytest.fixture
def page(browser, request):
    "A fresh page that records console errors and uncaught exceptions, and leaves a screenshot when the test ends."
    context = browser.new_context(viewport={'width': 1400, 'height': 1000})
    page = context.new_page()
    page.errors, page.offline = [], []

    def on_console(m):
        if m.type != 'error': return
        where = m.location.get('url', '')
        # this machine has no internet: the Colab badge (an image on colab.research.google.com) cannot load
        if m.text.startswith('Failed to load resource') and not where.startswith('http://127.0.0.1'): page.offline.append(where)
        else: page.errors.append(f'console.error: {m.text} ({where})')
    page.on('console', on_console)
    page.on('pageerror', lambda e: page.errors.append(f'uncaught: {e}'))
    page.set_default_timeout(60_000)
    try: yield page
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        try: page.screenshot(path=str(SHOTS/f'{request.node.name}.png'), full_page=False)
        except Exception as e: print(f'no screenshot for {request.node.name}: {e}')
        context.close()
