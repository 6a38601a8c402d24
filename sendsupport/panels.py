"""Pages gathered from several apps (a role's home page, a pupil's page) are assembled from
panels that each app registers in its AppConfig.ready(); the page knows only this interface."""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict
    order: int = 100


PanelFn = Callable[..., "Panel | None"]  # fn(request, **page_kwargs), e.g. pupil= on the "pupil" page
_registries: dict[str, list[PanelFn]] = {}


def register(page: str, fn: PanelFn) -> PanelFn:
    _registries.setdefault(page, []).append(fn)
    return fn


def panels_for(page: str, request, **kwargs) -> list[Panel]:
    panels = [p for fn in _registries.get(page, []) if (p := fn(request, **kwargs)) is not None]
    return sorted(panels, key=lambda p: p.order)
