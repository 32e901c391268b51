"""config_user.json: the twin's administrator, as the predecessor's format holds them.

Used where the predecessor used it: the dashboards' (L5) Grafana administrator, and the address
operational notifications go to: every alarm channel of the twin (README, Alarms). The address is
written into the synthesized templates, so it must be a plain one that neither CloudFormation nor
Terraform could read as an expression; being personal, no report quotes it back. An empty `admin_email` means "no administrator": nothing is
provisioned for anyone (the predecessor's rule). The file is optional; without it the model's
`user` is None.
"""

from __future__ import annotations

import re
from typing import Any

from twin_model.config.context import LoadContext, short
from twin_model.config.model import UserSettings

FILE = "config_user.json"
KEYS = ("admin_email", "admin_first_name", "admin_last_name")
# A plain address (what SNS, Azure Monitor and Cloud Monitoring all accept; no `$`, `{`, `}` that
# a template could read as an expression); 254 characters is the SMTP path limit.
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MAX_EMAIL = 254
MAX_NAME = 256  # IAM Identity Center and Entra ID accept longer; no person needs more


def user(ctx: LoadContext, raw: Any) -> UserSettings | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        ctx.add(FILE, (), "a JSON object {admin_email, admin_first_name, admin_last_name}")
        return None
    before = len(ctx.problems)
    ctx.check_keys(raw, (), FILE, KEYS)
    email = raw.get("admin_email", "")
    if not isinstance(email, str) or (email and (len(email) > MAX_EMAIL or not EMAIL.fullmatch(email))):
        # Not quoted back: a near miss of an address is still someone's address.
        ctx.add(FILE, ("admin_email",), f"an e-mail address like name@example.com (at most {MAX_EMAIL} characters), or \"\" for none")
        email = ""
    names = {}
    for key in ("admin_first_name", "admin_last_name"):
        value = raw.get(key, "")
        if not isinstance(value, str) or len(value) > MAX_NAME or (email and not value.strip()):
            needed = "a non-empty name" if email else "a name"
            ctx.add(FILE, (key,), f"{needed} of at most {MAX_NAME} characters (the administrator's account needs it; got {short(value)})")
            value = ""
        names[key] = value.strip()
    if len(ctx.problems) > before:
        return None
    return UserSettings(email, names["admin_first_name"], names["admin_last_name"])
