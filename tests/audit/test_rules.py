"""Each rule on a small invented document: one case that fires and one that does not."""

from __future__ import annotations

import datetime as dt

from audit_support import audit, doc, lines_of

from initiatives.model import Initiative

LISTING = """Programmes

WX-101: Solar pumps for smallholder irrigation
Objective: Farmers in arid districts gain access to affordable irrigation.
Time Frame: March 2019 - June 2021
Funding: Green Fund
Budget: US$ 250,000
Division: Energy
Focus Countries: Chad, Niger

WX-102: Mobile clinics for remote villages
Objective: Health workers reach villages far from any clinic.
Time Frame: January 2020 - December 2022
Funding: Health Trust
Budget: US$ 410,000
Division: Health
Focus Countries: Mali

WX-103: Literacy radio lessons
Objective: Children follow reading lessons broadcast by community radio.
Time Frame: May 2018 - April 2020
Focus Countries: Burkina Faso

WX-104: Water kiosks in peri-urban areas
Objective: Households buy safe water at metered kiosks.
Time Frame: July 2019 - June 2022
Funding: Water Facility
Budget:
Division: Water
Focus Countries: Benin
"""


def _listing_records(text: str = LISTING) -> list[Initiative]:
    recs = []
    starts = [lines_of(text, c) for c in ("WX-101", "WX-102", "WX-103", "WX-104")]
    ends = [s - 2 for s in starts[1:]] + [len(text.split("\n")) - 1]
    meta = [("WX-101", "2019-03", "2021-06", ["TCD", "NER"], 250000),
            ("WX-102", "2020-01", "2022-12", ["MLI"], 410000),
            ("WX-103", "2018-05", "2020-04", ["BFA"], None),
            ("WX-104", "2019-07", "2022-06", ["BEN"], None)]
    for (code, start, end, countries, budget), first, last in zip(meta, starts, ends, strict=True):
        recs.append(Initiative(code=code, title=text.split("\n")[first - 1].split(": ", 1)[1], status="completed",
                               start=start, end=end, countries=countries,
                               budget={"amount": budget, "currency": "USD"} if budget else None,
                               source_document="listing.txt", source_lines=(first, last)))
    return recs


def _by_record(result, rule):
    return {f.record: f for f in result.findings if f.rule == rule}


# ------------------------------------------------------------------ missing-field


def test_missing_field_fires_for_entries_lacking_what_their_siblings_have():
    res = audit(_listing_records(), [doc(LISTING)], only={"missing-field"})
    found = _by_record(res, "missing-field")
    assert set(found) == {"WX-103", "WX-104"}
    assert "funding source" in found["WX-103"].message and "budget" in found["WX-103"].message
    assert "Budget:" in found["WX-104"].evidence_text  # the empty label is quoted


def test_missing_field_silent_when_entries_are_complete():
    text = LISTING.replace("Focus Countries: Burkina Faso", "Funding: Radio Fund\nBudget: US$ 90,000\n"
                           "Division: Education\nFocus Countries: Burkina Faso").replace("Budget:\n", "Budget: US$ 5\n")
    res = audit(_listing_records(text), [doc(text)], only={"missing-field"})
    assert _by_record(res, "missing-field") == {}


def test_missing_field_reports_lost_link_targets():
    text = "Launch of the data portal\n\nThe portal opened today.\nFor more details visit:\n\nPress office\n"
    rec = Initiative(title="Launch of the data portal", kind="event", source_document="p.txt", source_lines=(1, 3))
    res = audit([rec], [doc(text, "p.txt")], only={"missing-field"})
    assert [f.evidence_text for f in res.findings] == ["For more details visit:"]


# ------------------------------------------------------------------ stale-status / stale-record


def test_stale_status_fires_for_past_record_written_as_in_progress():
    text = LISTING.replace("Objective: Health workers reach villages far from any clinic.",
                           "Objective: Health workers reach villages far from any clinic.\n"
                           "Key Accomplishments (to-date): Training of nurses is underway in two regions.")
    res = audit(_listing_records(text), [doc(text)], only={"stale-status"})
    assert set(_by_record(res, "stale-status")) == {"WX-102"}


def test_stale_status_fires_when_end_passed_but_status_ongoing():
    rec = Initiative(code="P-1", title="Seed bank", status="ongoing", start="2015-01", end="2018-12")
    res = audit([rec], only={"stale-status"})
    assert [f.record for f in res.findings] == ["P-1"]
    done = Initiative(code="P-2", title="Seed bank", status="completed", start="2015-01", end="2018-12")
    assert audit([done], only={"stale-status"}).findings == []


def test_stale_record_uses_configured_age():
    old = Initiative(code="O-1", title="Old", updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    new = Initiative(code="N-1", title="New", updated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    res = audit([old, new], only={"stale-record"})
    assert [f.record for f in res.findings] == ["O-1"]


# ------------------------------------------------------------------ country-group-mismatch


def test_country_group_mismatch_uses_membership_at_the_time():
    # Bhutan left the LDC list in December 2023: fine for a 2019 project, not for a 2025 one
    early = Initiative(code="A", title="Early", country_groups=["LDC"], countries=["BTN", "NPL"],
                       start="2019-01", end="2020-12")
    late = Initiative(code="B", title="Late", country_groups=["LDC"], countries=["BTN", "NPL"],
                      start="2024-06", end="2025-12")
    chile = Initiative(code="C", title="Ports for Least Developed Countries", countries=["CHL", "HTI"])
    res = audit([early, late, chile], only={"country-group-mismatch"})
    found = _by_record(res, "country-group-mismatch")
    assert set(found) == {"B", "C"}
    assert "Bhutan" in found["B"].message and "Chile" in found["C"].message


def test_an_events_one_country_is_its_host_not_a_member_of_the_group_it_serves():
    forum = Initiative(code="E-1", kind="event", title="Regional forum with a session for island States",
                       country_groups=["SIDS"], countries=["THA"], start="2023-06-12")
    tour = Initiative(code="E-2", kind="event", title="Study tour", country_groups=["SIDS"],
                      countries=["FJI", "THA"], start="2023-06-12")
    project = Initiative(code="P-1", title="Island resilience", country_groups=["SIDS"], countries=["THA"],
                         start="2023-06-12")
    found = _by_record(audit([forum, tour, project], only={"country-group-mismatch"}), "country-group-mismatch")
    assert set(found) == {"E-2", "P-1"} and "Thailand" in found["E-2"].message


def test_country_group_mismatch_checks_named_regions():
    text = "R-9: Coastal resilience\nObjective: Support small countries in West Africa with early warning.\n"
    rec = Initiative(code="R-9", title="Coastal resilience", countries=["FJI", "TON"], source_document="r.txt",
                     source_lines=(1, 2))
    ok = Initiative(code="R-9", title="Coastal resilience", countries=["SEN", "GHA"], source_document="r.txt",
                    source_lines=(1, 2))
    assert [f.record for f in audit([rec], [doc(text, "r.txt")], only={"country-group-mismatch"}).findings] == ["R-9"]
    assert audit([ok], [doc(text, "r.txt")], only={"country-group-mismatch"}).findings == []


# ------------------------------------------------------------------ duplicates and copies

SHARED = ("Community health volunteers visit every household each month to register pregnancies, "
          "follow up newborns and refer sick children to the nearest facility, using a simple phone application "
          "that works without a network connection.")


def test_duplicate_record_under_two_codes():
    a = Initiative(code="H-7", title="Community health volunteers", summary=SHARED, countries=["UGA"])
    b = Initiative(code="CHV-2", title="Household visits by volunteers", summary=SHARED.replace("each", "every"),
                   countries=["UGA"])
    c = Initiative(code="Z-1", title="Something else", summary="A school feeding scheme buys food from local "
                   "farmers and serves one hot meal a day in every primary school of two districts.")
    res = audit([a, b, c], only={"duplicate-record"})
    assert len(res.findings) == 1 and set(res.findings[0].initiative_ids) == {a.id, b.id}


def test_copied_text_between_two_records_but_not_standard_wording():
    own = "The pilot starts in two provinces and will be evaluated after one year by an independent team."
    a = Initiative(code="A-1", title="Phone triage", summary=SHARED + " " + own, budget={"amount": 1, "currency": "USD"})
    b = Initiative(code="B-1", title="Drug supply", summary="Pharmacies report stock levels weekly by text message "
                   "so that district stores can resupply them before they run out. " + SHARED,
                   budget={"amount": 2, "currency": "USD"})
    res = audit([a, b], only={"copied-text", "duplicate-record"})
    assert [f.rule for f in res.findings] == ["copied-text"]
    # the same passage in three records is standard wording: not a copy
    c = Initiative(code="C-1", title="Vaccination", summary="Cold boxes carry vaccines to outreach sessions. " + SHARED,
                   budget={"amount": 3, "currency": "USD"})
    res3 = audit([a.model_copy(update={"id": None}), b.model_copy(update={"id": None}), c], only={"copied-text"})
    assert res3.findings == []


def test_text_duplicated_in_record():
    para = ("The steering board meets twice a year to approve the work plan and review the results of the "
            "previous semester with all partners.")
    text = f"Board\n{para}\nOther news follow here.\n{para}\n"
    rec = Initiative(title="Board", source_document="b.txt", source_lines=(1, 4))
    res = audit([rec], [doc(text, "b.txt")], only={"text-duplicated-in-record"})
    assert [f.record for f in res.findings] == ["Board"]
    once = f"Board\n{para}\nOther news follow here.\n"
    rec2 = Initiative(title="Board", source_document="c.txt", source_lines=(1, 3))
    assert audit([rec2], [doc(once, "c.txt")], only={"text-duplicated-in-record"}).findings == []


def test_title_mismatch_for_an_ambiguous_name_but_not_a_series():
    text = ("The Digital Skills Hub trains young people.\nThe National Library Digital Skills Hub for Youth opened.\n"
            "The Annual Data Forum met.\nThe 5th Annual Data Forum met in May.\n")
    recs = [Initiative(title="Digital Skills Hub", source_document="t.txt", source_lines=(1, 1)),
            Initiative(title="National Library Digital Skills Hub for Youth", source_document="t.txt",
                       source_lines=(2, 2)),
            Initiative(title="Annual Data Forum", kind="event", source_document="t.txt", source_lines=(3, 3)),
            Initiative(title="5th Annual Data Forum", kind="event", source_document="t.txt", source_lines=(4, 4))]
    res = audit(recs, [doc(text, "t.txt")], only={"title-mismatch"})
    assert [f.record for f in res.findings] == ["Digital Skills Hub"]


# ------------------------------------------------------------------ spelling


def test_corrupted_and_misspelt_words():
    text = ("W-1: Market access\nObjective: Farmers get better prices through a goverment programme and "
            "reportrmation sharing with thebuyers. The the cooperative helps.\nFocus Countries: Buthan, Nepal\n")
    rec = Initiative(code="W-1", title="Market access", source_document="w.txt", source_lines=(1, 3))
    res = audit([rec], [doc(text, "w.txt")], only={"corrupted-word", "misspelling"})
    msgs = sorted(f.message for f in res.findings)
    assert any("reportrmation" in m for m in msgs if "Corrupted" in m)
    assert any("'goverment' should be 'government'" in m for m in msgs)
    assert any("'thebuyers' should be 'the buyers'" in m for m in msgs)
    assert any("'Buthan' should be 'Bhutan'" in m for m in msgs)
    clean = "W-2: Market access\nObjective: Farmers get better prices and share interlinkages with buyers.\n"
    rec2 = Initiative(code="W-2", title="Market access", source_document="v.txt", source_lines=(1, 2))
    assert audit([rec2], [doc(clean, "v.txt")], only={"corrupted-word", "misspelling"}).findings == []


def test_trade_words_and_rare_plurals_are_no_misspellings():
    """"investees" is the plural of a word the trade uses ("investee"), not a misspelling of "investors"; a plural
    is judged as its singular, so "goverments" is still caught."""
    text = ("W-3: Seed round\nObjective: The investees of the fund meet with local goverments and their other "
            "partners to plan the work for the next year and to share what they have learned.\n")
    rec = Initiative(code="W-3", title="Seed round", source_document="x.txt", source_lines=(1, 2))
    msgs = [f.message for f in audit([rec], [doc(text, "x.txt")], only={"misspelling"}).findings]
    assert not any(w in m for m in msgs for w in ("investees", "grantees", "mentees"))
    assert any("'goverments' should be 'governments'" in m for m in msgs)


# ------------------------------------------------------------------ dates and funding


def test_date_inconsistency_accomplishments_before_start():
    text = ("D-1: Cash transfers\nTime Frame: June 2017 - May 2019\n"
            "Key Accomplishments: A launch workshop was held in Lusaka in February 2017.\n")
    rec = Initiative(code="D-1", title="Cash transfers", start="2017-06", end="2019-05", source_document="d.txt",
                     source_lines=(1, 3))
    assert [f.record for f in audit([rec], [doc(text, "d.txt")], only={"date-inconsistency"}).findings] == ["D-1"]
    ok = text.replace("February 2017", "February 2018")
    rec_ok = rec.model_copy(update={"source_document": "e.txt"})
    assert audit([rec_ok], [doc(ok, "e.txt")], only={"date-inconsistency"}).findings == []


def test_funding_inconsistency_same_budget_and_time_frame():
    a = Initiative(code="F-1", title="Roads", budget={"amount": 592000, "currency": "USD"}, start="2014-06",
                   end="2016-12")
    b = Initiative(code="F-2", title="Open data", budget={"amount": 592000, "currency": "USD"}, start="2014-06",
                   end="2016-12")
    c = Initiative(code="F-3", title="Open data", budget={"amount": 592000, "currency": "USD"}, start="2015-06",
                   end="2016-12")
    res = audit([a, b], only={"funding-inconsistency"})
    assert [f.record for f in res.findings] == ["F-1"]
    assert audit([a.model_copy(update={"id": None}), c], only={"funding-inconsistency"}).findings == []


def test_a_quoted_sentence_keeps_its_first_letter() -> None:
    from initiatives.audit.duplicates import _sentence_with

    assert _sentence_with("GENEVA, 12 May 2022 — The Fund said so", "The Fund").startswith("GENEVA")
    assert _sentence_with("First one. Then The Fund said so", "The Fund").startswith("Then The Fund")
