"""Background jobs of the dashboard: a thread pool with a bounded number of jobs.

At most ``max_jobs`` jobs run at once and at most ``queue_size`` more wait; a job
beyond that is refused with :class:`JobLimitError` (HTTP 429) instead of piling up.
Each job reports its progress (0-1) and the stage it is in; finished jobs are kept
(the newest ``keep`` of them) so their status can still be read.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from trunkline.errors import TrunklineError

__all__ = ["Job", "JobLimitError", "JobManager", "Progress"]

Status = Literal["queued", "running", "done", "failed"]
#: A job's progress callback: fraction done (0-1) and a short stage description.
Progress = Callable[[float, str], None]
#: A job's work: gets the progress callback, returns the id of the stored run.
Work = Callable[[Progress], str]


class JobLimitError(RuntimeError):
    """Too many jobs are running or waiting."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Job:
    """One background run: its status, progress, stage and outcome."""

    id: str
    request: dict[str, Any]
    status: Status = "queued"
    progress: float = 0.0
    stage: str = "waiting for a free worker"
    run_id: str | None = None
    error: str | None = None
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "progress": round(self.progress, 3),
                "stage": self.stage, "run_id": self.run_id, "error": self.error,
                "created": self.created, "started": self.started, "finished": self.finished,
                "request": dict(self.request)}


class JobManager:
    """Runs jobs on a thread pool; refuses jobs beyond ``max_jobs + queue_size``."""

    def __init__(self, max_jobs: int = 2, queue_size: int = 0, keep: int = 200) -> None:
        if max_jobs < 1 or queue_size < 0:
            raise ValueError("max_jobs must be >= 1 and queue_size >= 0")
        self.max_jobs = max_jobs
        self.queue_size = queue_size
        self.keep = keep
        self._pool = ThreadPoolExecutor(max_workers=max_jobs, thread_name_prefix="tl-job")
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def active(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))

    def submit(self, work: Work, request: dict[str, Any]) -> Job:
        """Queue a job; raises :class:`JobLimitError` when the limit is reached."""
        with self._lock:
            busy = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
            if busy >= self.max_jobs + self.queue_size:
                raise JobLimitError(
                    f"{busy} run(s) are already in progress and this server runs at most "
                    f"{self.max_jobs} at a time; wait for one to finish, then try again.")
            job = Job(uuid.uuid4().hex[:12], dict(request))
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].status in ("queued", "running"):
                    break
                del self._jobs[oldest]
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def snapshot(self, job_id: str) -> dict[str, Any] | None:
        """A consistent copy of a job's fields, or None."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.as_dict()

    def list(self) -> list[dict[str, Any]]:
        """All kept jobs, newest first."""
        with self._lock:
            return [j.as_dict() for j in reversed(self._jobs.values())]

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for k, v in changes.items():
                setattr(job, k, v)

    def _run(self, job: Job, work: Work) -> None:
        self._update(job, status="running", started=_now(), stage="starting")

        def progress(fraction: float, stage: str) -> None:
            self._update(job, progress=min(max(float(fraction), 0.0), 1.0), stage=stage)

        try:
            run_id = work(progress)
        except TrunklineError as exc:
            self._update(job, status="failed", error=str(exc), finished=_now(),
                         stage="failed")
        except Exception as exc:  # a bug: say so plainly, keep the trace on the server log
            traceback.print_exc()
            self._update(job, status="failed", finished=_now(), stage="failed",
                         error=f"the run failed unexpectedly ({type(exc).__name__}: {exc})")
        else:
            self._update(job, status="done", run_id=run_id, progress=1.0, stage="finished",
                         finished=_now())

    def shutdown(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
