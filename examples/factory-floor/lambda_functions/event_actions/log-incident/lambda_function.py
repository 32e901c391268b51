"""Event action 'log-incident': receives {"rule", "record"} from the event checker."""

import json


def lambda_handler(event, context):
    print(json.dumps({"action": "log-incident", "event": event}))
    return {"handled": True, "action": "log-incident"}
