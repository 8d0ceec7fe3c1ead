"""Scheduled runs: the pipeline served as a Prefect deployment with a cron schedule."""

from __future__ import annotations

from .pipeline import pipeline


def serve(cron: str, name: str = "juesuan-scheduled", raw: str | None = None, warehouse: str | None = None,
          build: str | None = None) -> None:
    """Register the deployment with the Prefect server and run its scheduled (or triggered) runs until stopped."""
    parameters = {k: v for k, v in {"raw": raw, "warehouse": warehouse, "build": build}.items() if v}
    pipeline.serve(name=name, cron=cron, parameters=parameters,
                   description="Build the juesuan warehouse from its input folder and publish it.")
