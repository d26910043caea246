"""Features register their background tasks with the worker; the worker knows no feature."""

from __future__ import annotations

import pytest

from mediation import create_app, worker


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(worker, "TASKS", {})
    monkeypatch.setattr(worker, "PERIODIC", {})
    return worker


def test_registered_tasks_run_by_name_and_periodic_ones_every_tick(registry):
    calls = []
    registry.register_task("demo.echo", lambda value: calls.append(("echo", value)))
    registry.register_periodic("demo.tick", lambda: calls.append(("tick", None)))
    assert registry.run_task("demo.echo", {"value": 3, "timeout": 10}) is None
    registry.run_periodic()
    assert calls == [("echo", 3), ("tick", None)]
    assert set(registry.TASKS) == {"demo.echo", "demo.tick"} and set(registry.PERIODIC) == {
        "demo.tick"}


def test_registering_again_is_harmless_but_a_clash_is_refused(registry):
    def one():
        return None

    registry.register_task("demo.one", one)
    registry.register_task("demo.one", one)
    with pytest.raises(ValueError, match="already registered"):
        registry.register_task("demo.one", lambda: None)


def test_a_failing_periodic_task_does_not_stop_the_others(registry, app):
    calls = []

    def broken():
        raise RuntimeError("boom")

    registry.register_periodic("demo.broken", broken)
    registry.register_periodic("demo.fine", lambda: calls.append("fine"))
    registry.run_periodic()
    assert calls == ["fine"]


def test_unknown_tasks_are_refused(registry, app):
    with pytest.raises(KeyError, match="unknown task"):
        registry.submit("demo.nothing")


def test_the_app_factory_registers_every_feature_task(registry, tmp_path):
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "t"})
    assert set(registry.TASKS) == {"plan.run", "plan.reap", "mail.deliver", "availability.sync",
                                   "mail.fetch_replies"}
    assert set(registry.PERIODIC) == {"plan.reap", "mail.deliver", "availability.sync",
                                      "mail.fetch_replies"}
    assert registry.TASKS["mail.fetch_replies"].__module__ == "mediation.calendar.replies"
    assert registry.TASKS["mail.deliver"].__module__ == "mediation.calendar.subscribers"
