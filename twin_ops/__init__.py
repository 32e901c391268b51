"""Operator tooling: deploy plans, post-deploy steps, the device simulator, `status` and `redrive`.

Apart from synthesis on purpose: it reads the validated project and its topology (`twin_model.config`,
`twin_model.topology`) and the shared names of `twin_contract`, never the stacks, the construct
library or the function runtime, so operating a twin never imports CDK or Terraform bindings.
"""
