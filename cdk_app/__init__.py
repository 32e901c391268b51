"""Application layer: project config, topology and stack assembly."""
