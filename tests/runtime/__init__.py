"""Runtime tests: core logic, AWS handlers under moto, bridges over loopback HTTP."""
