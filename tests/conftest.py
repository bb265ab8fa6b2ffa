import os, pytest

@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    "No test sees a developer's ML100K_DIR or data folder by accident."
    monkeypatch.delenv('ML100K_DIR', raising=False)
    monkeypatch.delenv('COLLAB_WORKBOOK_DATA', raising=False)
