"""The IATI ruleset engine: runs an IATI ruleset (JSON) over activity XML with lxml XPath.

Reads both formats of IATI/IATI-Rulesets: the Python edition (SPEC_PY.rst, used by the upstream meta
tests) and the JS edition (SPEC.rst, `standard.json`, used by the IATI Validator v2: camelCase names,
`prefix`/`separator` for startswith, `ruleInfo` with id, severity and message). A case whose `condition`
is false, or whose values are absent where the rule needs them, does not apply (result None).

Offline limits: `idCondition: NOT_EXISTING_ORG_ID` needs the live list of IATI publishers, so such cases
always apply; the agency prefixes (`ORG-ID-PREFIX`) come from the OrganisationRegistrationAgency codelist.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

STANDARD = Path(__file__).with_name("standard.json")
_DATE = re.compile(r"^\s*(-?\d{4,})-(\d{2})-(\d{2})")
_DATETIME = re.compile(r"^\s*(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_NAMES = {"atleast_one": "atleast_one", "at_least_one": "atleast_one"}


@dataclass(frozen=True)
class Result:
    """One case of one rule tested on one element: passed is True, False, or None (not applicable)."""

    context: str
    rule: str
    case: dict[str, Any]
    element: Any
    passed: bool | None
    failed_case: dict[str, Any] | None = None  # for a loop: the inner case that failed

    @property
    def info(self) -> dict[str, Any]:
        return (self.failed_case or {}).get("ruleInfo") or self.case.get("ruleInfo") or {}


@lru_cache(maxsize=4096)
def _xpath(path: str) -> Callable[[Any], Any]:
    """A compiled XPath (a ruleset applies the same few hundred paths to every activity: compiling them each
    time was most of the engine's cost)."""
    return etree.XPath(path)


def _eval(el: Any, path: str) -> Any:
    return _xpath(path)(el)


@lru_cache(maxsize=1024)
def rule_name(name: str) -> str:
    snake = _CAMEL.sub("_", name).lower()
    return _NAMES.get(snake, snake)


def _text(item: Any) -> str:
    if isinstance(item, etree._Element):
        return item.text or ""
    return str(item)


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value)
    return bool(value)


@lru_cache(maxsize=1)
def _agency_prefixes() -> tuple[str, ...]:
    from initiatives.interop.iati import codelists

    return tuple(sorted(codelists.codes("OrganisationRegistrationAgency"), key=len, reverse=True))


@lru_cache(maxsize=16)
def _agency_heads(sep: str) -> tuple[str, ...]:
    """The agency prefixes followed by `sep`, as one tuple for str.startswith."""
    return tuple(p + sep for p in _agency_prefixes())


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def _add_year(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


class _Rules:
    """The rule types; each takes (element, case) and returns True, False or None."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.failed_case: dict[str, Any] | None = None

    # helpers
    @staticmethod
    def matches(el: Any, case: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for path in case.get("paths", []):
            found = _eval(el, path)
            out.extend(found if isinstance(found, list) else [found])
        return out

    def date(self, el: Any, xpath: str) -> dt.date | None:
        if xpath == "TODAY":
            return self.today
        found = _eval(el, xpath)
        if not found:
            return None
        m = _DATE.match(_text(found[0]))
        if not m:
            return None
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            return None

    # rules
    def no_more_than_one(self, el: Any, case: dict[str, Any]) -> bool | None:
        return len(self.matches(el, case)) <= 1

    def atleast_one(self, el: Any, case: dict[str, Any]) -> bool | None:
        return len(self.matches(el, case)) >= 1

    def only_one_of(self, el: Any, case: dict[str, Any]) -> bool | None:
        found = self.matches(el, case)
        if any(_eval(el, x) for x in case.get("excluded", [])):
            return not found
        return len(found) == 1

    def one_or_all(self, el: Any, case: dict[str, Any]) -> bool | None:
        if _eval(el, case["one"]):
            return True
        kind = case["all"]
        if kind == "lang":
            return all(_eval(n, "@xml:lang") for n in _eval(el, "descendant::narrative"))
        if kind == "sector":
            return all(_eval(t, "sector") for t in _eval(el, "transaction"))
        if kind == "currency":
            return all(_eval(v, "@currency") for p in ("value", "forecast", "loan-status")
                       for v in _eval(el, "descendant::" + p))
        return all(_truthy(_eval(el, x)) for x in ([kind] if isinstance(kind, str) else kind))

    def dependent(self, el: Any, case: dict[str, Any]) -> bool | None:
        found = [bool(_eval(el, p)) for p in case.get("paths", [])]
        return all(found) or not any(found)

    def unique(self, el: Any, case: dict[str, Any]) -> bool | None:
        texts = [_text(m) for m in self.matches(el, case)]
        return len(texts) == len(set(texts))

    def _sum(self, el: Any, case: dict[str, Any]) -> bool:
        values = [_decimal(_text(m)) for m in self.matches(el, case)]
        if any(v is None for v in values):
            return False
        return sum(values, Decimal(0)) == Decimal(str(case["sum"]))  # type: ignore[arg-type]

    def sum(self, el: Any, case: dict[str, Any]) -> bool | None:
        return True if not self.matches(el, case) else self._sum(el, case)

    def strict_sum(self, el: Any, case: dict[str, Any]) -> bool | None:
        return self._sum(el, case)

    def range(self, el: Any, case: dict[str, Any]) -> bool | None:
        lo = Decimal(str(case["min"])) if "min" in case else None
        hi = Decimal(str(case["max"])) if "max" in case else None
        for m in self.matches(el, case):
            v = _decimal(_text(m))
            if v is None or (lo is not None and v < lo) or (hi is not None and v > hi):
                return False
        return True

    def date_order(self, el: Any, case: dict[str, Any]) -> bool | None:
        less, more = self.date(el, case["less"]), self.date(el, case["more"])
        if less is None or more is None:
            return None
        return less <= more

    def date_now(self, el: Any, case: dict[str, Any]) -> bool | None:
        found = _eval(el, case["date"])
        if not found:
            return None
        m = _DATETIME.match(_text(found[0]))
        if not m:
            return None
        try:
            return dt.date(*map(int, m.groups()[:3])) <= self.today
        except ValueError:
            return None

    def time_limit(self, el: Any, case: dict[str, Any]) -> bool | None:
        start, end = self.date(el, case["start"]), self.date(el, case["end"])
        if start is None or end is None:
            return None
        return end <= _add_year(start)

    def between_dates(self, el: Any, case: dict[str, Any]) -> bool | None:
        date = self.date(el, case["date"])
        start, end = self.date(el, case["start"]), self.date(el, case["end"])
        if date is None or start is None or end is None:
            return None
        return start < date < end

    def regex_matches(self, el: Any, case: dict[str, Any]) -> bool | None:
        found = self.matches(el, case)
        if case.get("idCondition") == "NOT_EXISTING_ORG_ID_PREFIX" and any(
                _text(m).startswith(_agency_heads("-")) for m in found):
            return None
        return all(re.search(case["regex"], _text(m)) for m in found)

    def regex_no_matches(self, el: Any, case: dict[str, Any]) -> bool | None:
        return not any(re.search(case["regex"], _text(m)) for m in self.matches(el, case))

    def startswith(self, el: Any, case: dict[str, Any]) -> bool | None:
        found = self.matches(el, case)
        if "start" in case:  # Python edition
            start = _eval(el, case["start"])
            if not start:
                return None
            head = _text(start[0])
            return all(_text(m).startswith(head) for m in found)
        sep = case.get("separator", "")
        heads: list[str] = []
        for p in case.get("prefix", []):
            if p == "ORG-ID-PREFIX":
                heads.extend(_agency_heads(sep))
            else:
                heads.extend(t + sep for x in _eval(el, p) if (t := _text(x)))
        if not found:
            return None
        starts = tuple(heads)
        return all(_text(m).startswith(starts) for m in found)

    def no_spaces(self, el: Any, case: dict[str, Any]) -> bool | None:
        return all(_text(m) == _text(m).strip() for m in self.matches(el, case))

    def no_percent(self, el: Any, case: dict[str, Any]) -> bool | None:
        return all("%" not in _text(m) for m in self.matches(el, case))

    def evaluates_to_true(self, el: Any, case: dict[str, Any]) -> bool | None:
        return _truthy(_eval(el, case["eval"]))

    def if_then(self, el: Any, case: dict[str, Any]) -> bool | None:
        if not _truthy(_eval(el, case["if"])):
            return True
        return _truthy(_eval(el, case["then"]))

    def loop(self, el: Any, case: dict[str, Any]) -> bool | None:
        values = list(dict.fromkeys(_text(v) for v in _eval(el, case["foreach"])))
        result: bool | None = None
        for name, sub in case["do"].items():
            for sub_case in sub["cases"]:
                for val in values:
                    filled = dict(sub_case)
                    for key in case.get("subs", []):
                        if key in filled:
                            v = filled[key]
                            filled[key] = [x.replace("$1", val) for x in v] if isinstance(v, list) \
                                else v.replace("$1", val)
                    outcome = test_case(self, el, rule_name(name), filled)
                    if outcome is False:
                        self.failed_case = filled
                        return False
                    if outcome is True:
                        result = True
        return result


def test_case(rules: _Rules, el: Any, rule: str, case: dict[str, Any]) -> bool | None:
    if "condition" in case and not _truthy(_eval(el, case["condition"])):
        return None
    check: Callable[[Any, dict[str, Any]], bool | None] | None = getattr(rules, rule, None)
    if check is None or rule.startswith("_"):
        raise ValueError(f"unknown ruleset rule {rule!r}")
    return check(el, case)


def run(ruleset: dict[str, Any], tree: Any, *, today: dt.date | None = None) -> Iterator[Result]:
    """Every case of every rule, on every element its context selects."""
    rules = _Rules(today or dt.date.today())
    for context, by_rule in ruleset.items():
        for el in _eval(tree, context):
            for name, body in by_rule.items():
                rule = rule_name(name)
                for case in body.get("cases", []):
                    rules.failed_case = None
                    passed = test_case(rules, el, rule, case)
                    yield Result(context, rule, case, el, passed, rules.failed_case if passed is False else None)


def passes(ruleset: dict[str, Any], tree: Any, *, today: dt.date | None = None) -> bool:
    """True when no applicable case fails."""
    return all(r.passed is not False for r in run(ruleset, tree, today=today))


@lru_cache(maxsize=1)
def standard() -> dict[str, Any]:
    """The IATI standard ruleset (IATI/IATI-Rulesets @ a88f835b, rulesets/standard.json, MIT)."""
    return json.loads(STANDARD.read_text(encoding="utf-8"))


def parse(data: bytes | str) -> Any:
    """An XML tree, hardened like the importer (no entities, no DTD, no network)."""
    if isinstance(data, str):
        data = data.encode()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    return etree.ElementTree(etree.fromstring(data, parser))
