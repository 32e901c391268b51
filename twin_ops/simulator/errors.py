"""One base class, so the CLI reports every expected simulator failure as one line, not a traceback."""


class SimulatorError(RuntimeError):
    pass
