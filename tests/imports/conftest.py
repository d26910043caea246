import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(monkeypatch, tmp_path):
    """Keep uploaded files waiting for their commit out of the project's instance folder."""
    from mediation.imports import views

    monkeypatch.setattr(views, "_upload_dir", lambda: tmp_path)
