"""Event action 'log-incident' on Azure: main(event) receives {"rule", "record"} from the event checker
(or the workflow's InputData when the Logic App calls it)."""

import json
import logging


def main(event):
    logging.getLogger(__name__).info(json.dumps({"action": "log-incident", "event": event}))
    return {"handled": True, "action": "log-incident"}
