"""The model of a twin that synthesis (`cdk_app`) and operations (`twin_ops`) share.

The project's validated configuration (`config`), each cloud described once (`clouds`), who goes
where (`topology`: placements, bridges, stacks in deploy order) and the repository's locations
(`paths`). Standard library and PyYAML only: reading a twin never loads CDK, Terraform bindings
or a cloud SDK (docs/design.md §2).
"""
