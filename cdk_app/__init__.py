"""Synthesis: the twin's stacks (CloudFormation and CDK Terrain) and its delivery pipeline, from twin_model."""
