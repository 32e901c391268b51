"""`python -m twin_ops local`: the synthesized twin, run on this machine from the synthesized output.

`output` reads what a synth wrote (CloudFormation templates and their assets, Terraform JSON and its
archives) into the functions a cloud would start, with every deploy-time reference left as a
`Reference` for the caller to fill; the runner fills them from local services.
"""
