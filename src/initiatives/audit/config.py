"""Audit configuration: the packaged `default.toml`, overridden key by key by a user TOML file.

A broken file is an InputError naming the file, the key and the problem.
"""

from __future__ import annotations

import tomllib
from copy import deepcopy
from importlib import resources
from pathlib import Path
from typing import Any

from initiatives.errors import InputError
from initiatives.model import INITIATIVE_FIELDS, KINDS, SEVERITIES

_TOP_KEYS = {"audit", "rules", "kinds"}


def default() -> dict[str, Any]:
    text = resources.files("initiatives.audit").joinpath("default.toml").read_text("utf-8")
    return tomllib.loads(text)


def load(path: Path | None = None, *, known_rules: set[str] | None = None) -> dict[str, Any]:
    """The configuration to run with: defaults, then `path` merged over them, validated."""
    cfg = default()
    if path is not None:
        try:
            user = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("configuration file not found", file=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None)
            raise InputError(f"not valid TOML: {getattr(exc, 'msg', exc)}", file=str(path), line=line) from None
        validate(user, str(path), known_rules=known_rules)
        cfg = _merge(cfg, user)
    validate(cfg, str(path or "default.toml"))
    return cfg


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _fail(file: str, key: str, problem: str) -> None:
    raise InputError(problem, file=file, field=key)


def validate(cfg: dict[str, Any], file: str, *, known_rules: set[str] | None = None) -> None:
    for k in cfg:
        if k not in _TOP_KEYS:
            _fail(file, k, f"unknown section (expected one of: {', '.join(sorted(_TOP_KEYS))})")
    audit = cfg.get("audit", {})
    if not isinstance(audit, dict):
        _fail(file, "audit", "must be a table")
    fams = audit.get("families")
    if fams is not None and (not isinstance(fams, list) or not all(isinstance(f, str) for f in fams)):
        _fail(file, "audit.families", "must be a list of module names")
    rules = cfg.get("rules", {})
    if not isinstance(rules, dict):
        _fail(file, "rules", "must be a table of [rules.<id>] tables")
    for rid, table in rules.items():
        key = f"rules.{rid}"
        if not isinstance(table, dict):
            _fail(file, key, "must be a table")
        if known_rules is not None and rid not in known_rules:
            _fail(file, key, f"no such rule (known: {', '.join(sorted(known_rules))})")
        if "enabled" in table and not isinstance(table["enabled"], bool):
            _fail(file, f"{key}.enabled", f"must be true or false, not {table['enabled']!r}")
        if "severity" in table and table["severity"] not in SEVERITIES:
            _fail(file, f"{key}.severity", f"must be one of {', '.join(SEVERITIES)}, not {table['severity']!r}")
        for name, value in table.items():
            if name in ("enabled", "severity"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, str, list)):
                _fail(file, f"{key}.{name}", f"must be a number, text or list, not {value!r}")
            if isinstance(value, (int, float)) and value < 0:
                _fail(file, f"{key}.{name}", f"must not be negative ({value})")
    kinds = cfg.get("kinds", {})
    if not isinstance(kinds, dict):
        _fail(file, "kinds", "must be a table of [kinds.<kind>] tables")
    for kind, table in kinds.items():
        key = f"kinds.{kind}"
        if kind not in KINDS:
            _fail(file, key, f"unknown kind (one of {', '.join(KINDS)})")
        if not isinstance(table, dict):
            _fail(file, key, "must be a table")
        for name in ("expected", "required"):
            fields = table.get(name, [])
            if not isinstance(fields, list):
                _fail(file, f"{key}.{name}", "must be a list of field names")
            for f in fields:
                if f not in INITIATIVE_FIELDS:
                    _fail(file, f"{key}.{name}", f"unknown field {f!r}")


def rule_settings(cfg: dict[str, Any], rule_id: str, default_severity: str) -> dict[str, Any]:
    table = dict(cfg.get("rules", {}).get(rule_id, {}))
    table.setdefault("severity", default_severity)
    table.setdefault("enabled", True)
    table["kinds"] = cfg.get("kinds", {})
    return table
