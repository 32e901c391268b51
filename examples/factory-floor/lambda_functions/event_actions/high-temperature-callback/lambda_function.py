"""Event action 'high-temperature-callback': receives {"rule", "record"} from the event checker."""

import json


def lambda_handler(event, context):
    print(json.dumps({"action": "high-temperature-callback", "event": event}))
    return {"handled": True, "action": "high-temperature-callback"}
