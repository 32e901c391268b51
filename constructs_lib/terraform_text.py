"""User text inside Terraform JSON: escaped so Terraform keeps it as text.

Why: every string of a `.tf.json` file is a Terraform template. `${...}` in a user's workflow
definition would be resolved at apply time (`${random_password.<x>.result}` hands a bridge token
to whatever URL the text names) and `%{...}` runs template directives. `$${` and `%%{` are
Terraform's escapes for the literal characters, so escaped text arrives exactly as written.
"""

from __future__ import annotations


def literal(text: str) -> str:
    """`text` as a Terraform template that evaluates to `text` itself."""
    return text.replace("${", "$${").replace("%{", "%%{")

