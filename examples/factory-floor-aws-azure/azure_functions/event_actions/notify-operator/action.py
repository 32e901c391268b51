"""Event action 'notify-operator' on Azure: main(event) receives {"rule", "record"} from the event checker
(or the workflow's InputData when the Logic App calls it)."""

import json
import logging


def main(event):
    logging.getLogger(__name__).info(json.dumps({"action": "notify-operator", "event": event}))
    return {"handled": True, "action": "notify-operator"}
