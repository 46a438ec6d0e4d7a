"""IATI codelists as a small versioned data file (`data/codelists.json`), built from the official XML.

Source: IATI/IATI-Codelists @ 75e827ba (version-2.03) and IATI/IATI-Codelists-NonEmbedded @ 7aeece77,
licence CC BY 4.0 ("IATI Standard (http://iatistandard.org/)"). Rebuild with
`python -m initiatives.interop.iati.codelists PATH/TO/codelists`.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).with_name("data") / "codelists.json"

# The codelists the importer and exporter use.
NAMES = (
    "ActivityStatus", "ActivityDateType", "OrganisationRole", "OrganisationType", "Sector", "SectorCategory",
    "SectorVocabulary", "UNSDG-Goals", "UNSDG-Targets", "Region", "RegionVocabulary", "Currency", "Country",
    "TransactionType", "RelatedActivityType", "BudgetType", "BudgetStatus", "DescriptionType", "Language",
    "Version", "OrganisationRegistrationAgency", "ActivityScope", "CollaborationType", "FlowType", "FinanceType", "AidType", "TiedStatus",
)


def build(folder: Path) -> dict[str, dict[str, dict[str, str]]]:
    """{codelist: {code: {"name": English name, "status": "active"|"withdrawn"}}} from the XML files."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for name in NAMES:
        tree = etree.parse(str(folder / f"{name}.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
        items: dict[str, dict[str, str]] = {}
        for item in tree.iterfind(".//codelist-item"):
            code = (item.findtext("code") or "").strip()
            label = ""
            for n in item.iterfind("name/narrative"):
                if n.get("{http://www.w3.org/XML/1998/namespace}lang") in (None, "en"):
                    label = (n.text or "").strip()
                    break
            items[code] = {"name": label, "status": item.get("status", "active")}
        out[name] = items
    return out


@lru_cache(maxsize=1)
def _all() -> dict[str, dict[str, dict[str, str]]]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def codes(name: str) -> dict[str, dict[str, str]]:
    return _all()[name]


def is_code(name: str, code: str | None) -> bool:
    return code is not None and code in _all()[name]


def label(name: str, code: str) -> str:
    item = _all()[name].get(code)
    return item["name"] if item else code


if __name__ == "__main__":  # pragma: no cover
    DATA.write_text(json.dumps(build(Path(sys.argv[1])), ensure_ascii=False, sort_keys=True, indent=0) + "\n",
                    encoding="utf-8")
