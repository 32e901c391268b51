"""`python -m twin_ops migrate OLD_DIR NEW_DIR`: a predecessor project in this project's own format.

The old project is loaded exactly as `cdk synth` loads it (a project that does not load is not
migrated); the new one holds what the loader read, each file in its native place and shape, and
nothing else. Every change is reported: files moved, keys removed or rewritten, definitions
adapted, files left behind with the loader's reason. The new project is loaded again and must
describe the same twin (run.fingerprint), so it synthesizes the same stacks.
"""
