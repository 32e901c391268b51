"""`python -m twin_ops redrive`: dead-lettered messages back to where they failed (twin_ops.dead_letters).

`engine` is cloud-neutral (a source of parked messages, a delivery, a journal); `aws`, `azure`
and `gcp` adapt each cloud's dead letters to it over injected clients, which the tests replace
with moto, Azurite and an in-memory Pub/Sub; `run` wires them to the real clouds.
"""
