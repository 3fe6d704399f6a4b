"""Starting and stopping Ray the same way everywhere: local by default, a cluster on request.

``RAY_ADDRESS`` set means "join that cluster"; unset means a local Ray with one CPU per core
of this machine (or ``num_cpus``). Training, tuning and batch scoring all go through
``ray_session`` so the same code runs on a laptop, this 2-core box or a cluster. Nodes of a
cluster need pathmatch installed (``pip install`` of this project), as with any Ray job.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def local_cpus() -> int:
    return max(1, os.cpu_count() or 1)


@contextmanager
def ray_session(num_cpus: int | None = None) -> Iterator[dict[str, object]]:
    """Initialise Ray (unless already running), yield its resources, shut down what we began."""
    import ray

    started = False
    if not ray.is_initialized():
        address = os.environ.get("RAY_ADDRESS") or None
        options: dict[str, object] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": "ERROR",
            "configure_logging": True,
        }
        if address is None:
            options["num_cpus"] = num_cpus or local_cpus()
            # Ray's object store defaults to 30% of RAM; a bounded store keeps peaks honest.
            options["object_store_memory"] = 512 * 1024 * 1024
        ray.init(address=address, **options)
        started = True
    try:
        yield ray.cluster_resources()
    finally:
        if started:
            ray.shutdown()
