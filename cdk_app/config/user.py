"""config_user.json: the address the twin's alarms are e-mailed to (`admin_email`, optional).

The predecessor kept its administrator here to provision dashboard users; this project provisions
no users but sends every alarm to the twin's channel on each cloud, and subscribes this address to
it. The address is no secret (it appears in the synthesized templates) but it is personal: no
report or warning repeats it, and `ProjectConfig` leaves it out of its repr.
"""

from __future__ import annotations

import re
from typing import Any

from cdk_app.config.context import LoadContext

FILE = "config_user.json"
# A plain address: what SNS, Azure Monitor and Cloud Monitoring all accept, and nothing Terraform or
# CloudFormation could read as an expression (no `$`, `{`, `}`).
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MAX_EMAIL = 254  # RFC 5321 path limit
IGNORED_KEYS = {
    "admin_first_name": "not read: dashboard users are not provisioned",
    "admin_last_name": "not read: dashboard users are not provisioned",
}


def alarm_email(ctx: LoadContext, raw: Any) -> str | None:
    """The address to subscribe to the alarm channels; None without the file or with `""`."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ctx.add(FILE, (), 'a JSON object {"admin_email": "<address or empty>"}')
        return None
    ctx.check_keys(raw, (), FILE, ("admin_email",), IGNORED_KEYS)
    value = raw.get("admin_email", "")
    if value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_EMAIL or not EMAIL.fullmatch(value):
        # The value is not quoted back: a near miss of an address is still someone's address.
        ctx.add(FILE, ("admin_email",), f"an e-mail address like name@example.com (at most {MAX_EMAIL} characters), or \"\" for none")
        return None
    return value
