"""IoT Hub shared access signatures: the MQTT password of a device with a symmetric key.

`sr` is the URL-encoded resource (`<hub host>/devices/<device id>`), `sig` the Base64 HMAC-SHA256,
keyed with the Base64-decoded device key, of `<encoded resource>\\n<expiry>`; `se` the expiry in
epoch seconds (IoT Hub's documented token format).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote


def sas_token(resource: str, key: str, expires_at: int) -> str:
    encoded = quote(resource, safe="")
    digest = hmac.new(base64.b64decode(key), f"{encoded}\n{expires_at}".encode(), hashlib.sha256).digest()
    signature = quote(base64.b64encode(digest).decode(), safe="")
    return f"SharedAccessSignature sr={encoded}&sig={signature}&se={expires_at}"
