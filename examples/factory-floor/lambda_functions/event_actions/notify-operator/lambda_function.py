"""Event action 'notify-operator': receives {"rule", "record"} from the event checker."""

import json


def lambda_handler(event, context):
    print(json.dumps({"action": "notify-operator", "event": event}))
    return {"handled": True, "action": "notify-operator"}
