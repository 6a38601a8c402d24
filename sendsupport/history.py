"""History contexts: one context row per action.

Every write in the app happens inside `action(user=..., action="app.verb")`. pghistory merges a
context entered inside another (the request's, from the middleware, or a service's that calls
another service) into the outer one's single row, whose metadata the last write sets: a request
that logs personal care and raises a concern would label both records "safeguarding.raise".
`action` gives a nested action a row of its own instead, carrying the outer metadata (user, URL,
school) with its own name, so each history row says which action wrote it.

`one_context` keeps pghistory's merging for everything inside it: the demo seed, where every row
is the seed's whatever service wrote it."""

import threading
import uuid
from contextlib import contextmanager

import pghistory
from pghistory import runtime

_merging = threading.local()


class action(pghistory.context):  # noqa: N801 - used like pghistory.context
    def __init__(self, **metadata):
        # Not pghistory's __init__: it merges the metadata into an active context at once.
        self.metadata = metadata
        self._pre_execute_hook = None
        self._outer = None

    def __enter__(self):
        outer = getattr(runtime._tracker, "value", None)
        if outer is None:
            return super().__enter__()
        if getattr(_merging, "on", False):
            outer.metadata.update(self.metadata)
            return outer
        self._outer = outer
        runtime._tracker.value = runtime.Context(id=uuid.uuid4(), metadata={**outer.metadata, **self.metadata})
        return runtime._tracker.value

    def __exit__(self, *exc):
        if self._outer is None:
            return super().__exit__(*exc)
        runtime._tracker.value, self._outer = self._outer, None
        return None


@contextmanager
def one_context(**metadata):
    """A context whose nested actions all write under its one row."""
    with action(**metadata) as context:
        before = getattr(_merging, "on", False)
        _merging.on = True
        try:
            yield context
        finally:
            _merging.on = before
