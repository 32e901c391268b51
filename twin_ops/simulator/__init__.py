"""Device simulator: sends a project's sample payloads to the deployed L1 as its devices would.

The post-deploy steps (cdk_app/post_deploy) write what it needs — credentials and
`iot_devices_auth/simulator.json` — so the simulator itself never calls a control-plane API.
"""
