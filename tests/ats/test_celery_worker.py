from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.backends.redis import RedisBackend
from celery.result import AsyncResult

from ats.celery import app
from ats.tasks import ping
from tests import services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A real `celery -A ats worker` process on its own queue, stopped after the test."""
    broker = services.redis_url()
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "ATS_DEBUG": "1",
        "ATS_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }
    env.pop("DATABASE_URL", None)  # the ping task needs no database
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ats",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield broker, queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_worker_process_executes_a_task_over_redis(worker):
    broker, queue = worker
    app.conf.task_always_eager = False
    with app.connection_for_write(url=broker) as connection:
        sent = ping.apply_async(queue=queue, connection=connection)
    backend = RedisBackend(app=app, url=broker)
    result = AsyncResult(sent.id, app=app, backend=backend)
    assert result.get(timeout=60) == "pong"
    backend.forget(sent.id)


def test_tasks_use_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert app.conf.accept_content == ["json"]
