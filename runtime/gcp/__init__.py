"""Google Cloud Functions (gen2) handlers for functions-framework over the cloud-neutral core.

Entry points are named after the modules (`hot_writer`, `dispatcher`, ...); the archive's root
`main.py` (bundle_root/main.py) resolves them, so one bundle serves every function.
"""
