"""Function code of the digital twin: a cloud-neutral core and thin per-cloud handlers."""
