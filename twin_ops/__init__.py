"""Operator tooling, `python -m twin_ops`: the deploy plan run, post-deploy steps, the device
simulator, `status`, `redrive`, `migrate` and `local` runs.

Apart from synthesis on purpose: it reads the twin through `twin_model` (the validated project,
its topology and deploy plan) and the shared names of `twin_contract`, never `cdk_app`, the
construct library or the function runtime, so operating a twin never imports CDK or Terraform
bindings. What differs per cloud is behind one interface per cloud (cloud_ops, local/clouds).
"""
