"""An uploaded file kept between its preview and its confirmation, in the shared store (so any
web worker can confirm it), for the person who uploaded it only, until it expires."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets

from tracker import clock
from tracker.kv import service as kv


def _key(kind: str, key: str) -> str:
    return f"upload:{kind}:{key}"


async def keep(kind: str, account_id: int, data: bytes, minutes: int, name: str = "") -> str:
    """Keep the file; the key the confirming form sends back."""
    key = secrets.token_urlsafe(24)
    value = json.dumps({"account": account_id, "name": name, "data": base64.b64encode(data).decode()})
    await kv.put(_key(kind, key), value, clock.now() + dt.timedelta(minutes=minutes))
    return key


async def kept(kind: str, account_id: int, key: str) -> tuple[str, bytes] | None:
    """(name, bytes) of the file kept under this key, if this person kept it and it has not expired."""
    if not key or len(key) > 100:
        return None
    found = await kv.get(_key(kind, key))
    if found is None:
        return None
    value = json.loads(found[0])
    if value.get("account") != account_id:
        return None
    return str(value.get("name", "")), base64.b64decode(value["data"])


async def forget(kind: str, key: str) -> None:
    await kv.delete(_key(kind, key))
