"""`python -m cdk_app …`: the operator commands' former name, kept as an alias of `python -m twin_ops`
for existing users and scripts (the only place synthesis reaches the operator tooling)."""

import runpy

if __name__ == "__main__":
    runpy.run_module("twin_ops", run_name="__main__", alter_sys=True)
