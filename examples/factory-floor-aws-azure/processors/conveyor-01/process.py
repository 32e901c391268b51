"""Derives the running flag from the belt speed when the gateway omits it."""


def process(event):
    if event.get("running") is None and event.get("speed") is not None:
        event["running"] = event["speed"] > 0.05
    return event
