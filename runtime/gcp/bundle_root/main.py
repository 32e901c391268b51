"""Entry module of every twin function on Google Cloud (copied to the archive root at synth).

The function's entry point is a handler module name of `runtime.gcp`; it is imported, and its
environment validated, when functions-framework loads the target at instance start.
"""

import functools
import importlib
import types

ENTRY_POINTS = (
    "dispatcher", "connector", "ingestion", "processor", "persister", "event_checker", "feedback",
    "hot_writer", "hot_reader", "hot_reader_last_entry", "hot_to_cold", "cold_writer", "archive_writer",
    "cold_to_archive", "feedback_receiver",
)


def __getattr__(name):
    if name not in ENTRY_POINTS:
        raise AttributeError(name)
    handler = importlib.import_module(f"runtime.gcp.{name}").handler
    if isinstance(handler, types.FunctionType):
        return handler

    # functions-framework accepts plain functions only (some handlers are bound methods).
    @functools.wraps(handler)
    def entry(*args, **kwargs):
        return handler(*args, **kwargs)

    entry.__name__ = name
    return entry
