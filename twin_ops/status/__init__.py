"""`python -m twin_ops status`: what is deployed, what is parked, what arrived last.

`stacks` reads each stack's deployment state (CloudFormation, or the Terraform state in the
backend the synthesized stack names), `hot` the newest record per device in hot storage; the
dead-letter depths come from the redrive sources (twin_ops.redrive). `run` prints the report.
"""
