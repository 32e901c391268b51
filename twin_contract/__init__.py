"""Names and constants every side of the twin agrees on: the stacks that create resources, the
functions that use them at run time, and the operator tooling that reaches them after a deploy.

Standard library only, and staged into every function bundle next to `runtime/`, so a name is
written once (docs/design.md, "Layers of the code").
"""
