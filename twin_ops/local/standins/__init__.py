"""The parts of each cloud's platform a local run plays itself: the services no emulator covers
here, and the wiring between functions (invokes, triggers, schedules, routing), all driven by the
synthesized output."""
