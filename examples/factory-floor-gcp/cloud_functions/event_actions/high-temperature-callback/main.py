"""Event action 'high-temperature-callback': an HTTP Cloud Function called with {"rule", "record"} (ID-token authenticated)."""

import json

import functions_framework


@functions_framework.http
def main(request):
    event = request.get_json(silent=True) or {}
    print(json.dumps({"action": "high-temperature-callback", "event": event}))
    return {"handled": True, "action": "high-temperature-callback"}
