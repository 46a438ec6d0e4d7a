"""Read a person's `field=value` edits (command line, web form) into values an Initiative accepts."""

from __future__ import annotations

import json
import re
from typing import Any

from initiatives.errors import InputError
from initiatives.store.mapping import EDITABLE_FIELDS

LIST_FIELDS = {"countries", "country_groups", "sdgs", "themes", "comments"}
_MONEY = re.compile(r"^\s*(?:([A-Za-z]{3,4})\s*)?([-\d.,]+)\s*(?:([A-Za-z]{3,4}))?\s*$")


def parse_assignment(text: str) -> tuple[str, Any]:
    """`countries=BGD,NPL` -> ("countries", ["BGD", "NPL"])."""
    if "=" not in text:
        raise InputError(f"expected field=value, got {text!r}")
    field, _, raw = text.partition("=")
    field = field.strip()
    if field not in EDITABLE_FIELDS:
        raise InputError(f"unknown field (editable: {', '.join(EDITABLE_FIELDS)})", field=field)
    return field, parse_value(field, raw)


def parse_value(field: str, raw: str) -> Any:
    raw = raw.strip()
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", field=field) from None
    if field in LIST_FIELDS:
        return [v.strip() for v in re.split(r"[;,]", raw) if v.strip()]
    if field == "budget":
        if not raw:
            return None
        m = _MONEY.match(raw)
        if not m or (m.group(1) and m.group(3)):
            raise InputError(f"expected an amount and a currency such as '592000 USD', got {raw!r}", field=field)
        return {"amount": m.group(2), "currency": m.group(1) or m.group(3) or "USD"}
    if field == "partners":
        partners = []
        for item in filter(None, (p.strip() for p in raw.split(";"))):
            name, *rest = [x.strip() for x in item.split(":")]
            partner: dict[str, Any] = {"name": name}
            if rest:
                partner["role"] = rest[0]
            if len(rest) > 1:
                partner["type"] = rest[1]
            partners.append(partner)
        return partners
    return raw or None
