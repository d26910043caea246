"""Background work: solver runs and mail delivery never run inside a web request.

Two ways to run a task, chosen by configuration:

- **in-process** (default, no setup): a small thread pool inside each app process. A ticker
  thread in the same pool owner runs the periodic tasks (stale-run reaping, mail retries).
- **RQ** (``REDIS_URL`` set): tasks go to a Redis queue; ``mediation worker`` processes take them
  and also run the periodic tasks, so several web processes and workers share the load.

Tasks are plain functions registered by name with :func:`register_task` by each feature's
``init_app`` (this package imports no feature); they run inside an app context and own their
transactions (they commit). A task never receives ORM objects, only ids and plain values.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

from mediation.extensions import db

log = logging.getLogger(__name__)

TASKS: dict[str, Callable[..., Any]] = {}
PERIODIC: dict[str, Callable[[], Any]] = {}
QUEUE_NAME = "mediation"


def register_task(name: str, func: Callable[..., Any], *, periodic: bool = False) -> None:
    """Register `func` as background task `name` (and, if `periodic`, run it every tick).

    Features register their tasks from their `init_app`, called by the app factory, so this
    package imports no feature. Registering the same function again is harmless; another
    function under a taken name is a mistake."""
    known = TASKS.get(name)
    if known is not None and known is not func:
        raise ValueError(f"task {name!r} is already registered to {known.__qualname__}")
    TASKS[name] = func
    if periodic:
        PERIODIC[name] = func


def register_periodic(name: str, func: Callable[[], Any]) -> None:
    """Register a task that runs every MEDIATION_TICK_SECONDS (and can be submitted by name)."""
    register_task(name, func, periodic=True)


def task(name: str, *, periodic: bool = False) -> Callable:
    """Decorator form of :func:`register_task` (for tasks defined in an `init_app`)."""

    def decorator(func: Callable) -> Callable:
        register_task(name, func, periodic=periodic)
        return func

    return decorator


def uses_queue(app: Flask | None = None) -> bool:
    app = app or current_app
    return bool(app.config.get("REDIS_URL")) and app.config.get("MEDIATION_WORKER") != "in-process"


def destination(app: Flask | None = None) -> str:
    """Where the next task will go: "in-process" or "rq:<new job id>" (pass it to `submit`)."""
    return f"rq:{uuid.uuid4().hex}" if uses_queue(app) else "in-process"


def submit(name: str, *, where: str | None = None, **kwargs: Any) -> str:
    """Run task `name` in the background; returns where it went ("in-process" or "rq:<id>").

    Callers that record the destination before the task can start pass `where` from
    `destination()`, so the task never races the caller's own write.
    """
    if name not in TASKS:
        raise KeyError(f"unknown task {name!r}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    where = where or destination(app)
    if where.startswith("rq:"):
        job = queue(app).enqueue(
            "mediation.worker.run_task", name, kwargs, job_id=where[3:],
            job_timeout=int(kwargs.get("timeout", 3600)), result_ttl=3600, failure_ttl=86400,
        )
        return f"rq:{job.id}"
    _in_process(app).submit(_run_in_app, app, name, kwargs)
    return "in-process"


def run_task(name: str, kwargs: dict[str, Any]) -> Any:
    """Entry point of queued jobs: runs in `mediation worker`, which holds an app context."""
    kwargs = {k: v for k, v in kwargs.items() if k != "timeout"}
    return TASKS[name](**kwargs)


def run_periodic() -> None:
    """Run every periodic task once (each in its own try: one failure doesn't stop the others)."""
    for name, func in PERIODIC.items():
        try:
            func()
        except Exception:
            log.exception("periodic task %s failed", name)
            db.session.rollback()


def worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- in-process ----------------------------------------------------------------------------------


class _InProcess:
    """A thread pool for tasks and a daemon ticker for periodic work, one per app object."""

    def __init__(self, app: Flask):
        self.app = app
        self.pool = ThreadPoolExecutor(
            max_workers=app.config["MEDIATION_WORKER_THREADS"], thread_name_prefix="mediation-task"
        )
        self.stop = threading.Event()
        start_ticker(app, self.stop)

    def submit(self, func: Callable, *args: Any) -> None:
        self.pool.submit(func, *args)

    def shutdown(self, wait: bool = True) -> None:
        self.stop.set()
        self.pool.shutdown(wait=wait)


def start_ticker(app: Flask, stop: threading.Event) -> None:
    """Run the periodic tasks every MEDIATION_TICK_SECONDS in a daemon thread until `stop`."""
    interval = app.config["MEDIATION_TICK_SECONDS"]
    if interval <= 0:
        return

    def tick() -> None:
        while not stop.wait(interval):
            with app.app_context():
                try:
                    run_periodic()
                finally:
                    db.session.remove()

    threading.Thread(target=tick, daemon=True, name="mediation-ticker").start()


_lock = threading.Lock()


def _in_process(app: Flask) -> _InProcess:
    with _lock:
        runner = app.extensions.get("mediation_worker")
        if runner is None:
            runner = app.extensions["mediation_worker"] = _InProcess(app)
        return runner


def shutdown(app: Flask, wait: bool = True) -> None:
    """Stop the in-process pool of `app` (tests and orderly exits)."""
    with _lock:
        runner = app.extensions.pop("mediation_worker", None)
    if runner is not None:
        runner.shutdown(wait=wait)


def _run_in_app(app: Flask, name: str, kwargs: dict[str, Any]) -> None:
    with app.app_context():
        try:
            run_task(name, kwargs)
        except Exception:
            log.exception("background task %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()


# --- RQ --------------------------------------------------------------------------------------------


def redis_connection(app: Flask | None = None):
    import redis

    app = app or current_app
    return redis.Redis.from_url(app.config["REDIS_URL"])


def queue(app: Flask | None = None):
    from rq import Queue

    app = app or current_app
    return Queue(app.config.get("MEDIATION_QUEUE", QUEUE_NAME), connection=redis_connection(app))


def work(app: Flask, *, burst: bool = False) -> None:
    """Process queued tasks in this process until stopped (`mediation worker`).

    RQ's SimpleWorker runs each job in this process, inside the app context: a killed worker
    takes its job with it, and the run it was solving is marked failed by the stale-run reaper.
    """
    from rq import SimpleWorker

    stop = threading.Event()
    if not burst:
        start_ticker(app, stop)
    worker = SimpleWorker([queue(app)], connection=redis_connection(app),
                          name=f"mediation-{worker_label()}-{int(time.time())}")
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
    finally:
        stop.set()
