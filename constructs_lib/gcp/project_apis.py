"""The Google APIs a layer stack needs, enabled by the stack itself.

A fresh project has most APIs off; enabling them here makes `terraform apply` work on it without
manual clicks. `disable_on_destroy` is off: another stack (or the user) may still need the API
when this layer is destroyed, and turning an API off deletes its resources.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.project_service import ProjectService
from constructs import Construct


@dataclass(frozen=True)
class ProjectApisProps:
    services: tuple[str, ...]  # e.g. ("pubsub.googleapis.com",)
    project: str | None = None


class ProjectApis(Construct):
    """Exposes `services` (the ProjectService resources, for depends_on)."""

    def __init__(self, scope: Construct, id: str, props: ProjectApisProps) -> None:
        super().__init__(scope, id)
        self.services = [
            ProjectService(
                self,
                service.split(".")[0],
                service=service,
                project=props.project,
                disable_on_destroy=False,
                disable_dependent_services=False,
            )
            for service in sorted(set(props.services))
        ]
