"""The structural segmenter: entries found from a repeated block shape, on small synthetic texts."""

from __future__ import annotations

from initiatives.ingest.pipeline import extract_document
from initiatives.ingest.readers import read_document
from initiatives.ingest.repetition import blocks, entries, line_shape


def _lines(text: str) -> list[str]:
    return text.split("\n")


COUNTRY_HEADED = """Field office notes

The notes below cover this year's work.

NEPAL
River Bank Protection Works
Builds embankments along two rivers. Funded by the Asian Development Bank. Budget: USD 2,000,000.

PERU
Highland Seed Banks
Community seed banks in three regions, run by the Ministry of Agriculture from May 2021 to April 2024.

GHANA
Cocoa Farmer Registry
A registry of 80,000 farmers with the Cocoa Board. EUR 900,000 from the European Union.
"""


def test_country_lines_above_titles_delimit_entries() -> None:
    found = entries(_lines(COUNTRY_HEADED))
    assert [e.title for e in found] == ["River Bank Protection Works", "Highland Seed Banks", "Cocoa Farmer Registry"]
    assert [(e.first, e.last) for e in found] == [(5, 7), (9, 11), (13, 15)]


def test_date_lines_give_the_announcement_day() -> None:
    text = """Announcements

3 March 2025
Grant for coastal mapping in Fiji
The Facility awarded USD 200,000 to a university team.

17 February 2025
Agreement with the Ministry of Water
A three-year agreement on water data in Lesotho.
"""
    found = entries(_lines(text))
    assert [e.title for e in found] == ["Grant for coastal mapping in Fiji", "Agreement with the Ministry of Water"]
    flat = text
    assert [flat[e.dated[0]:e.dated[1]] for e in found] == ["3 March 2025", "17 February 2025"]


def test_bold_run_in_titles() -> None:
    text = """# Highlights

**Clean Cookstoves Scheme.** Since 2021 in Malawi, with USD 1 million from Norway.

**Youth Coding Clubs.** A network of clubs in Kenya funded by the Ministry of ICT since March 2022.
"""
    assert [e.title for e in entries(_lines(text))] == ["Clean Cookstoves Scheme", "Youth Coding Clubs"]


def test_paragraphs_without_field_cues_are_not_entries() -> None:
    text = """Our story

We began as a small team.
Everyone brought something.

Our values
We listen first.
We share what we learn.
"""
    assert entries(_lines(text)) == []


def test_a_repeated_shape_seen_once_is_no_delimiter() -> None:
    assert entries(_lines("NEPAL\nRiver Works\nBudget: USD 2,000,000.\n")) == []


def test_shapes_and_blocks() -> None:
    assert line_shape("14 February 2025") == "date"
    assert line_shape("ZAMBIA AND ZIMBABWE") == "country"
    assert line_shape("**Name.** Some text follows here") == "runin"
    assert line_shape("AB-12: Water for towns") == "code"
    assert line_shape("This is a sentence that ends with a full stop and is long enough to be text.") == "text"
    assert [(b.first, b.last) for b in blocks(["# H", "a", "", "b", "---", "c"])] == [(0, 0), (1, 1), (3, 3), (5, 5)]


def test_pipeline_makes_one_record_per_entry(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(COUNTRY_HEADED, encoding="utf-8")
    batch = extract_document(read_document(path))
    recs = {r.title: r for r in batch.initiatives}
    assert set(recs) == {"River Bank Protection Works", "Highland Seed Banks", "Cocoa Farmer Registry"}
    assert recs["River Bank Protection Works"].countries == ["NPL"]
    assert recs["Cocoa Farmer Registry"].extras["segment"] == "repetition"
    assert recs["River Bank Protection Works"].source_lines == (5, 7)


def test_a_label_we_do_not_know_is_read_by_its_value() -> None:
    from initiatives.ingest.labels import label_of

    assert label_of("    Money: USD 3,000,000 from the Government of Italy").family == "funding"
    assert label_of("Cash: EUR 400,000").family == "budget"
    assert label_of("Reach: Fiji, Tonga and Samoa").family == "countries"
    assert label_of("Runs: March 2021 - June 2024").family == "time"
    assert label_of("Note to self: call Fiji") is None
    assert label_of("Target: SDG 5 by 2030") is None


def test_html_cards_without_headings_are_one_record_each(tmp_path) -> None:
    cards = "".join(
        f'<div class="card"><div class="name">{name}</div><p>{body}</p></div>'
        for name, body in [("River Data Commons", "Water agencies in Chad and Niger share gauge data, with EUR 300,000 "
                                                  "from the European Union."),
                           ("Mobile Clinics Network", "Clinics on wheels in Malawi since March 2022, run by the "
                                                      "Ministry of Health."),
                           ("Seed Vault Alliance", "Seed banks in Peru and Bolivia, funded by a USD 1 million grant.")])
    path = tmp_path / "cards.html"
    path.write_text(f"<html><body><h1>What we support</h1><div class='grid'>{cards}</div></body></html>",
                    encoding="utf-8")
    batch = extract_document(read_document(path))
    assert sorted(r.title for r in batch.initiatives) == ["Mobile Clinics Network", "River Data Commons",
                                                           "Seed Vault Alliance"]
    assert {r.title: r.countries for r in batch.initiatives}["River Data Commons"] == ["TCD", "NER"]


def test_list_items_that_open_with_a_name_are_entries() -> None:
    text = """Where the fund invested

- **GrainLink** (Uganda) – USD 400,000 for a warehouse receipts app used by 3,000 traders.
- **SunPay** (Zambia) – USD 250,000 for pay-as-you-go solar in 2024.
- **AquaSense** (Senegal) – USD 300,000 for irrigation sensors.

Partners:
- Ministry of Finance, lead
- Central Bank, partner
"""
    assert [e.title for e in entries(_lines(text))] == ["GrainLink", "SunPay", "AquaSense"]


def test_a_date_and_a_title_on_one_line() -> None:
    text = """News

12 March 2025 — Water fund opens in Accra
The fund will lend USD 5 million to utilities in Ghana.

4 February 2025 — Partnership with the Coastal Authority
A data-sharing agreement covering Togo and Benin.
"""
    found = entries(_lines(text))
    assert [e.title for e in found] == ["Water fund opens in Accra", "Partnership with the Coastal Authority"]
    assert [text[e.dated[0]:e.dated[1]] for e in found] == ["12 March 2025", "4 February 2025"]


def test_lines_of_separated_cells_are_one_entry_each() -> None:
    text = """Portfolio by country

Ghana — Cocoa Traceability Platform — 1,200,000 — Ministry of Food and Agriculture
Senegal — Fisheries Catch App — 450,000 — Ministry of Fisheries
Peru — Highland Seed Banks — 2,000,000 — Ministry of Agriculture
"""
    found = entries(_lines(text))
    assert [e.title for e in found] == ["Cocoa Traceability Platform", "Fisheries Catch App", "Highland Seed Banks"]
    assert [text[e.place[0]:e.place[1]] for e in found] == ["Ghana", "Senegal", "Peru"]


def test_the_parts_of_one_description_are_not_entries(tmp_path) -> None:
    path = tmp_path / "programme.md"
    path.write_text("""# Digital Farmers Programme

Helps smallholders in Kenya and Ethiopia use mobile advice, funded by the IKEA Foundation with USD 12 million.

## Our approach

We work through cooperatives and the Ministry of Agriculture, training 2,000 extension officers since 2021.

## What has changed so far

By 2024, 300,000 farmers in Kenya received weekly SMS advice.

## Who we work with

The Kenya Agricultural Research Institute and Ethiopia's Agricultural Transformation Institute, since 2022.
""", encoding="utf-8")
    assert [r.title for r in extract_document(read_document(path)).initiatives] == ["Digital Farmers Programme"]


def test_lines_of_date_place_and_name(tmp_path) -> None:
    path = tmp_path / "events.md"
    path.write_text("""# Upcoming events

**15 May 2025** | Nairobi, Kenya | Africa Data Governance Summit
Ministers from 20 countries meet on data flows. Co-organised by Smart Africa and UNECA.

**3 June 2025** | Online | Webinar: Financing Digital Public Infrastructure
A briefing by the World Bank on the new financing window.

**22 September 2025** | Bangkok, Thailand | Asia-Pacific Open Source Forum
Three days of talks hosted by ESCAP.
""", encoding="utf-8")
    recs = {r.title: r for r in extract_document(read_document(path)).initiatives}
    assert set(recs) == {"Africa Data Governance Summit", "Webinar: Financing Digital Public Infrastructure",
                         "Asia-Pacific Open Source Forum"}
    assert str(recs["Africa Data Governance Summit"].start) == "2025-05-15"
    assert recs["Asia-Pacific Open Source Forum"].kind == "event"


def test_a_page_no_cue_names_is_one_record_when_it_states_an_initiatives_facts(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Cash Plus Nutrition\n\nMonthly cash transfers for 12,000 pregnant women in Mozambique.\n\n"
                    "Delivered by the World Food Programme (WFP) from April 2022 to March 2026.\n", encoding="utf-8")
    recs = extract_document(read_document(page)).initiatives
    assert [(r.title, r.countries, r.extras["segment"]) for r in recs] == [
        ("Cash Plus Nutrition", ["MOZ"], "whole document")]
    note = tmp_path / "note.md"
    note.write_text("# Office closure\n\nThe office is closed on Friday.\n", encoding="utf-8")
    assert extract_document(read_document(note)).initiatives == []


def test_odd_inputs_give_records_or_nothing_never_a_traceback(tmp_path) -> None:
    """Shapes mixed at random by a fuzzer once broke the segmenter (a table after a rule, a marked-up first line)."""
    texts = ["**3 June 2025** | Online | Webinar: X\n\nGhana — X Y — 1,000 — Z\n—\nKENYA\n**Ticket:** USD 1 · "
             "**Stage:** seed\nAB-12: Title here (2020-2021)\n",
             "Intro\n\n---\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n| a | b |\n|---|---|\n| 3 | USD 4 in Peru 2021 |\n",
             "<table><tr><th colspan='x'>A</th></tr><tr><td rowspan='999999'>1</td></tr></table>"]
    for k, text in enumerate(texts):
        path = tmp_path / (f"odd{k}.html" if text.startswith("<") else f"odd{k}.md")
        path.write_text(text, encoding="utf-8")
        batch = extract_document(read_document(path))
        assert all(r.source_lines[0] >= 1 for r in batch.initiatives)


LABELLED_BLOCKS = """Grants register, extract

Grant No.: GR-2021-114
Project Title: Community Radio for Flood Warnings
Grantee: Radio Sagarmatha
Donor: Government of Switzerland
Period: 04/2021 to 03/2023
Amount: USD 240,000
Location: Nepal

Grant No.: GR-2022-007
Project Title: Mobile Clinics for Pastoralist Families
Grantee: Pastoral Health Network
Donor: European Union
Period: 01/2022 to 12/2024
Amount: USD 610,000
Location: Kenya

Grant No.: GR-2022-031
Project Title: School Meals from Local Farms
Grantee: District Education Office
Donor: World Food Programme
Period: 09/2022 to 08/2025
Amount: USD 385,500
Location: Malawi

Grant No.: GR-2023-002
Project Title: Solar Pumps for Market Gardens
Grantee: Women Growers Union
Donor: Government of Japan
Period: 02/2023 to 01/2026
Amount: USD 198,000
Location: Senegal
"""


def test_entries_of_labelled_lines_take_their_title_from_the_title_label(tmp_path) -> None:
    """A register whose entries open with a labelled line: a known number label gives the code; under a label
    the extractor does not know ("Output Ref:") the entry is still named by its `Project Title:` label, not by
    its first line."""
    path = tmp_path / "register.txt"
    path.write_text(LABELLED_BLOCKS, encoding="utf-8")
    recs = [r for r in extract_document(read_document(path)).initiatives if r.budget]
    assert [(r.code, r.title, r.budget.amount, r.source_lines) for r in recs] == [
        ("GR-2021-114", "Community Radio for Flood Warnings", 240000, (3, 9)),
        ("GR-2022-007", "Mobile Clinics for Pastoralist Families", 610000, (11, 17)),
        ("GR-2022-031", "School Meals from Local Farms", 385500, (19, 25)),
        ("GR-2023-002", "Solar Pumps for Market Gardens", 198000, (27, 33))]
    path.write_text(LABELLED_BLOCKS.replace("Grant No.:", "Output Ref:"), encoding="utf-8")
    titles = [r.title for r in extract_document(read_document(path)).initiatives if r.budget]
    assert titles == [r.title for r in recs]


SETEXT = """Water projects
==============

Hand pumps for schools
----------------------

Repairs hand pumps in 40 schools of Mali with UNICEF, from March 2022 to June 2024. Budget: USD 300,000.

Rainwater tanks
---------------

Builds rainwater tanks for clinics in Niger with WHO from 2023 to 2025. Budget: USD 450,000.
"""

LETTERED = """7. Grants made in 2024

The board approved three grants:

  (a) Solar dryers for fish traders. A grant to a cooperative in
      Senegal, run by the fisheries ministry. Amount: USD 80,000.
      Period: March 2024 to February 2025.

  (b) School gardens. Ministries of education of Togo and Benin
      will share seeds and training material with FAO support.
      Amount: USD 120,000. Period: May 2024 to April 2026.

  (c) Weather alerts by radio. Community radios in Mali receive
      forecasts from the national meteorological agency.
      Amount: USD 60,000. Period: June 2024 to May 2025.
"""


def test_setext_headings_are_headings_not_rules() -> None:
    lines = _lines(SETEXT)
    heads = [(b.first, b.level, b.sig[0]) for b in blocks(lines) if b.level]
    assert heads == [(0, 1, "#"), (3, 2, "##"), (8, 2, "##")]
    found = entries(lines)
    assert [(e.first, e.last, e.title) for e in found] == [(4, 7, "Hand pumps for schools"), (9, 12, "Rainwater tanks")]


def test_lettered_paragraphs_with_sentence_case_names() -> None:
    found = entries(_lines(LETTERED))
    assert [(e.first, e.title) for e in found] == [(5, "Solar dryers for fish traders"), (9, "School gardens"),
                                                   (13, "Weather alerts by radio")]
