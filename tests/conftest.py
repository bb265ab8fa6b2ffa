import os, pytest

@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    "No test sees a developer's ML100K_DIR or data folder by accident."
    monkeypatch.delenv('ML100K_DIR', raising=False)
    monkeypatch.delenv('COLLAB_WORKBOOK_DATA', raising=False)

def debian_tool(command: str, *packages: str) -> str:
    "The path of `command`, installing `packages` from Debian's archive (apt-get) first when it is missing."
    import shutil, subprocess
    if not shutil.which(command):
        env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
        subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env, capture_output=True)
        subprocess.run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', *packages], check=True, env=env, capture_output=True)
    path = shutil.which(command)
    if not path: pytest.fail(f'{command} is missing and installing {" ".join(packages)} with apt-get did not provide it.')
    return path

@pytest.fixture(scope='session')
def apt_tool():
    "`debian_tool` as a fixture: `apt_tool('soffice', 'libreoffice-calc')`."
    return debian_tool
