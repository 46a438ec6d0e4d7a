"""Generic layout and phrasing cues found by held-out sets 22 and 23, each on a small text written for the test."""

from __future__ import annotations

from pathlib import Path

from .conftest import records_in as _records


def test_a_pipe_list_without_outer_bars_is_a_table_of_records(tmp_path: Path) -> None:
    recs = _records(tmp_path, "export.txt", (
        "Grants approved in round 3\n\n"
        "Ref|Organisation|Project title|Country|Amount\n"
        "RW-3-01|Green Hills Trust|Biogas digesters for dairy farms|Rwanda|USD 40,000\n"
        "RW-3-02|Kivu Fishers Union|Solar fish dryers on the lake shore|Rwanda|USD 25,500\n"))
    by_code = {r.code: r for r in recs}
    assert set(by_code) == {"RW-3-01", "RW-3-02"}
    rec = by_code["RW-3-02"]
    assert rec.title == "Solar fish dryers on the lake shore"
    assert rec.countries == ["RWA"]
    assert rec.budget is not None and int(rec.budget.amount) == 25500
    # the "Organisation" column names who carries it out
    assert [p.name for p in rec.partners] == ["Kivu Fishers Union"]


def test_a_line_with_bars_in_prose_is_no_table(tmp_path: Path) -> None:
    recs = _records(tmp_path, "note.txt", (
        "Home | About | Contact\n\n"
        "The Lake Basin Water Programme, funded by Sweden, builds wells in Kenya.\n"))
    assert all("|" not in (r.title or "") for r in recs)


def test_a_press_release_line_with_two_cities_is_a_dateline(tmp_path: Path) -> None:
    recs = _records(tmp_path, "release.md", (
        "# Two agencies join forces on solar pumps for farms in Zambia\n\n"
        "**Press release** | Lusaka / Rome, 9 June 2025\n\n"
        "The Food Agency and the Energy Agency today signed an agreement to bring solar pumps to 2,000 farms in "
        "Zambia.\n"))
    assert len(recs) == 1
    assert recs[0].date_announced is not None and str(recs[0].date_announced) == "2025-06-09"
    assert recs[0].location == "Lusaka"


def test_a_term_written_as_starting_and_ending_months_is_the_period_of_a_signed_partnership(tmp_path: Path) -> None:
    recs = _records(tmp_path, "release.txt", (
        "Agencies sign agreement on school meals in Malawi\n\n"
        "LILONGWE, 2 May 2024 - The Food Agency and the Government of Malawi today signed an agreement for "
        "Healthy Plates, a partnership on school meals.\n\n"
        "The Food Agency will run the partnership, starting in September 2024 and ending in August 2027.\n"))
    assert len(recs) == 1
    rec = recs[0]
    assert (str(rec.start), str(rec.end)) == ("2024-09", "2027-08")
    assert rec.status == "planned"  # announced in May, starting in September


def test_a_scheme_dubbed_x_in_a_news_copy_is_the_article_own_subject(tmp_path: Path) -> None:
    recs = _records(tmp_path, "news.txt", (
        "Fishing towns to get cold stores under new deal\n\n"
        "March 3, 2025 | By A. Writer, Coast Daily\n\n"
        "Ten fishing towns will get solar cold stores under a deal signed on Monday by the Ocean Agency and Peru.\n\n"
        "The three-year scheme, dubbed Cold Coast Peru, will start in June.\n"))
    assert [r.title for r in recs] == ["Fishing towns to get cold stores under new deal"]


def test_a_key_facts_grid_of_div_pairs_reads_unknown_labels_as_fields_of_one_project(tmp_path: Path) -> None:
    fact = '<div class="f"><div class="l">{}</div><div class="v">{}</div></div>'
    html = ("<html><body><main><h1>Hill Farms Irrigation</h1><div class='facts'>"
            + "".join(fact.format(k, v) for k, v in [
                ("Accredited entity", "Andean Development Bank"), ("Countries", "Peru, Bolivia"),
                ("Board approval", "B.12, 3 May 2023"), ("Implementation", "Q3 2024 – Q2 2029"),
                ("Stage", "Under implementation")])
            + "</div><h2>Executing entities</h2><ul><li>Ministry of Agriculture of Peru</li>"
              "<li>Ministry of Water of Bolivia</li></ul></main></body></html>")
    recs = _records(tmp_path, "page.html", html)
    assert [r.title for r in recs] == ["Hill Farms Irrigation"]
    rec = recs[0]
    assert (str(rec.start), str(rec.end)) == ("2024-07", "2029-06")  # quarters: first and last month
    assert rec.status == "ongoing"
    assert rec.countries == ["PER", "BOL"]
    assert {p.name for p in rec.partners} >= {"Ministry of Agriculture of Peru", "Ministry of Water of Bolivia"}


def test_quarters_and_halves_are_months() -> None:
    from initiatives.ingest.normalise import parse_date, parse_range

    assert str(parse_date("Q1 2025")) == "2025-01"
    assert str(parse_date("Q4 2025", end=True)) == "2025-12"
    assert str(parse_date("planned for H2 2026")) == "2026-07"
    assert parse_range("FY2023-FY2025") == (None, None)  # fiscal years stay bare years: not stored


def test_places_under_a_pilot_sites_heading_are_the_programme_pilots(tmp_path: Path) -> None:
    recs = _records(tmp_path, "page.md", (
        "# Solar Schools\n\n"
        "A programme of the Schools Agency that puts solar panels on rural schools, funded by the Energy Trust.\n\n"
        "## Pilot sites\n\n"
        "### Northern Ghana\n\n"
        "Start date: March 2024\n\nSchools: 40\n\nLocal partner: Tamale Youth Club\n\n"
        "### Zambian Copperbelt\n\n"
        "Start date: May 2024\n\nSchools: 25\n\nLocal partner: Kitwe Solar Co\n"))
    by_title = {r.title: r for r in recs}
    assert set(by_title) == {"Solar Schools", "Solar Schools pilot: Northern Ghana",
                             "Solar Schools pilot: Zambian Copperbelt"}
    assert by_title["Solar Schools pilot: Northern Ghana"].kind == "pilot"
    assert by_title["Solar Schools pilot: Zambian Copperbelt"].countries == ["ZMB"]  # an adjective names it
    assert by_title["Solar Schools"].countries == ["GHA", "ZMB"]  # the programme works where its pilots are
    # "a programme of X": X leads it, and its pilots
    assert [p.name for p in by_title["Solar Schools pilot: Northern Ghana"].partners if p.role == "lead"] == \
        ["Schools Agency"]


def test_arrow_items_of_cells_with_a_date_are_one_event_each(tmp_path: Path) -> None:
    recs = _records(tmp_path, "series.txt", (
        "TRAINING SERIES ON OPEN DATA\n\n"
        "Organised by the Statistics Office.\n\n"
        ">> Lima Workshop on Census Data | 3-4 June 2024 | Lima, Peru | held\n"
        "   Hosted by the national statistics institute.\n\n"
        ">> Quito Workshop on Price Data | 9 September 2024 | Quito, Ecuador | held\n"
        "   Forty participants from the region.\n"))
    by_title = {r.title: r for r in recs}
    assert {"Lima Workshop on Census Data", "Quito Workshop on Price Data"} <= set(by_title)
    lima, quito = by_title["Lima Workshop on Census Data"], by_title["Quito Workshop on Price Data"]
    assert (lima.kind, str(lima.start), str(lima.end), lima.location) == ("event", "2024-06-03", "2024-06-04", "Lima")
    assert (str(quito.start), str(quito.end), quito.countries) == ("2024-09-09", "2024-09-09", ["ECU"])
    assert lima.status == quito.status == "completed"  # the "held" cell


def test_numbered_bold_names_after_a_sentence_announcing_investments_are_investments(tmp_path: Path) -> None:
    recs = _records(tmp_path, "news.md", (
        "# Seed fund backs two farm start-ups\n\n"
        "*Accra, 3 March 2025*\n\n"
        "The Savannah Seed Fund today announced its first investments:\n\n"
        "1) **GrainLink**, a Ghanaian logistics start-up, receives USD 300,000 to build grain\n"
        "   depots in the north.\n"
        "2) **SoilSense**, a Togolese soil-testing company, receives EUR 150k for field kits.\n"))
    by_title = {r.title: r for r in recs}
    assert by_title["GrainLink"].kind == "investment"
    assert by_title["GrainLink"].countries == ["GHA"]
    assert by_title["GrainLink"].source_lines == (7, 8)  # the item's indented second line is part of it
    assert by_title["SoilSense"].countries == ["TGO"]
    assert by_title["SoilSense"].budget is not None and int(by_title["SoilSense"].budget.amount) == 150000


def test_a_flattened_two_column_table_gives_one_entry_per_left_column_name(tmp_path: Path) -> None:
    pad = " " * 12
    recs = _records(tmp_path, "review.txt", (
        "Annual review\n\n"
        "Project and number" + pad + "       Facts\n\n"
        "Rural roads for market" + pad + "Budget: USD 3.0M\n"
        "access (00987001)" + pad + "     Donor: Government of Norway\n"
        "                                  Period: FY2021-FY2024\n\n"
        "Mobile clinics in the" + pad + " Budget: USD 0.9M\n"
        "dry north" + pad + "             Donor: European Union\n"
        "(00987002)" + pad + "            Status: completed\n"))
    by_code = {r.code: r for r in recs}
    assert set(by_code) == {"00987001", "00987002"}
    assert by_code["00987001"].title == "Rural roads for market access"
    assert by_code["00987002"].title == "Mobile clinics in the dry north"
    assert by_code["00987002"].status == "completed"
    assert by_code["00987001"].budget is not None and int(by_code["00987001"].budget.amount) == 3000000
    assert by_code["00987001"].start is None  # fiscal years are bare years


def test_a_status_with_its_date_gives_the_start_or_end(tmp_path: Path) -> None:
    recs = _records(tmp_path, "list.txt", (
        "Wells for schools\n"
        "Budget: USD 200,000\n"
        "Status: closed in June 2023\n\n"
        "Toilets for clinics\n"
        "Budget: USD 150,000\n"
        "Status: started in Q2 2024\n"))
    by_title = {r.title: r for r in recs}
    wells, toilets = by_title["Wells for schools"], by_title["Toilets for clinics"]
    assert (wells.status, str(wells.end)) == ("completed", "2023-06")
    assert (toilets.status, str(toilets.start)) == ("ongoing", "2024-04")


def test_an_amount_written_as_an_adjective_before_a_deal_is_its_budget(tmp_path: Path) -> None:
    from initiatives.ingest.normalise import find_money

    assert [(int(h.amount), h.currency) for h in find_money("a 4m-euro deal")] == [(4000000, "EUR")]
    assert find_money("a 5-year plan for 20 schools") == []
    recs = _records(tmp_path, "news.txt", (
        "Clinics to get solar power under new deal\n\n"
        "May 2, 2025 | By A. Writer\n\n"
        "Rural clinics in Niger will get solar panels under a 4m-euro deal signed on Friday by the Energy Agency "
        "and the Health Agency.\n"))
    assert len(recs) == 1 and recs[0].budget is not None
    assert (int(recs[0].budget.amount), recs[0].budget.currency) == (4000000, "EUR")
    assert recs[0].kind == "partnership"  # a deal between two agencies


def test_a_title_naming_a_series_of_dialogues_is_a_programme_over_its_events(tmp_path: Path) -> None:
    recs = _records(tmp_path, "series.md", (
        "# Regional Roundtables on Climate Data\n\n"
        "A series organised by the Weather Office.\n\n"
        ">> Rainfall Records Roundtable | 4 March 2025 | Dakar, Senegal\n"
        "   Thirty experts from the region.\n\n"
        ">> Flood Maps Roundtable | 8 April 2025 | Accra, Ghana\n"
        "   Hosted by the Hydrology Service.\n"))
    by_title = {r.title: r for r in recs}
    assert by_title["Regional Roundtables on Climate Data"].kind == "programme"
    assert by_title["Rainfall Records Roundtable"].kind == "event"


def test_a_listing_title_naming_one_country_and_a_shared_start_reach_its_rows(tmp_path: Path) -> None:
    recs = _records(tmp_path, "alloc.txt", (
        "NEPAL RESILIENCE WINDOW\n"
        "Allocation list\n\n"
        "The board approved the projects below. All projects start on 1 March 2025.\n\n"
        "Code|Organization|Project title|Amount\n"
        "NP-01|Hill Aid|Landslide warning sirens for hill villages|USD 90,000\n"
        "NP-02|River Care|Flood shelters on the plains|USD 120,000\n"))
    by_code = {r.code: r for r in recs}
    assert set(by_code) >= {"NP-01", "NP-02"}
    assert by_code["NP-01"].countries == ["NPL"]  # the list's title names one country
    assert str(by_code["NP-02"].start) == "2025-03-01"


def test_a_code_alone_under_the_title_is_the_code_and_a_sea_named_after_a_country_is_no_country(
        tmp_path: Path) -> None:
    from initiatives.reference.country_names import find_in_text

    assert [c for c, _s, _e in find_in_text("ports along the Gulf of Guinea and in Ghana")] == ["GHA"]
    recs = _records(tmp_path, "page.md", (
        "# Coastal Fisheries Recovery\n\n"
        "SAP-0931\n\n"
        "Countries: Togo, Benin\n\n"
        "Budget: USD 4.5 million\n"))
    assert [(r.title, r.code) for r in recs] == [("Coastal Fisheries Recovery", "SAP-0931")]


def test_a_fund_name_over_a_subtitle_of_approved_projects_is_the_list_masthead(tmp_path: Path) -> None:
    recs = _records(tmp_path, "alloc.txt", (
        "LAKE REGION RESILIENCE FUND\n"
        "Round 2 - approved projects\n\n"
        "Code|Organization|Project title|Amount\n"
        "LR-01|Shore Aid|Boat repairs for fishing families|USD 30,000\n"
        "LR-02|Reed Works|Reed-bed restoration on the north shore|USD 45,000\n"))
    assert sorted(r.code or "" for r in recs) == ["LR-01", "LR-02"]


def test_a_tab_separated_export_is_a_table_and_its_header_row_no_record(tmp_path: Path) -> None:
    recs = _records(tmp_path, "export.txt", (
        "Awards register\n\n"
        "Grant ref\tGrant title\tCountry\tAmount awarded (EUR)\n"
        "AW-2021-07\tSolar pumps for school gardens\tMalawi\t120,000\n"
        "AW-2022-11\tRadio lessons for nomadic children\tNiger\t95,500\n"))
    by_code = {r.code: r for r in recs}
    assert set(by_code) == {"AW-2021-07", "AW-2022-11"}  # rows, not "CODE | Title" entries; no "Grant ref" record
    assert by_code["AW-2021-07"].title == "Solar pumps for school gardens"
    assert by_code["AW-2022-11"].countries == ["NER"]
    assert by_code["AW-2022-11"].budget is not None and by_code["AW-2022-11"].budget.currency == "EUR"


def test_an_agreement_column_titles_rows_and_a_year_in_a_currency_column_header_is_no_obstacle(
        tmp_path: Path) -> None:
    recs = _records(tmp_path, "report.md", (
        "## Contributions by country\n\n"
        "| Country | Agreement | Agreement period | Paid 2023 (SEK) |\n"
        "|---|---|---|---|\n"
        "| Laos | Rural Broadband Mapping | Jan 2021 – Dec 2024 | 800,000 |\n"
        "| Laos | Open School Statistics | Mar 2022 – Feb 2025 | 650,000 |\n"))
    by_title = {r.title: r for r in recs}
    assert set(by_title) == {"Rural Broadband Mapping", "Open School Statistics"}
    r = by_title["Open School Statistics"]
    assert r.kind == "project" and str(r.start) == "2022-03" and str(r.end) == "2025-02"
    assert r.budget is not None and (r.budget.amount, r.budget.currency) == (650000, "SEK")


def test_front_matter_fields_in_snake_case_with_quoted_values_and_lists(tmp_path: Path) -> None:
    recs = _records(tmp_path, "dump.md", (
        "---\n"
        'title: "Mangrove Nurseries for Coastal Villages"\n'
        "country: Madagascar\n"
        "start_date: 2022-05-01\n"
        "end_date: 2025-04-30\n"
        "budget_usd: 310000\n"
        "lead_agency: UNEP\n"
        'partners: ["Blue Coast Trust (BCT)", "Ministry of Fisheries"]\n'
        "---\n\n"
        "Village groups raise mangrove seedlings and replant degraded shores.\n\n"
        "---\n"
        'title: "Reef Monitoring by Volunteer Divers"\n'
        "country: Mauritius\n"
        "start_date: 2023-01-01\n"
        "budget_usd: 80000\n"
        "lead_agency: UNEP\n"
        "---\n\n"
        "Divers log coral health on a shared map every month.\n"))
    by_title = {r.title: r for r in recs}
    assert set(by_title) == {"Mangrove Nurseries for Coastal Villages", "Reef Monitoring by Volunteer Divers"}
    r = by_title["Mangrove Nurseries for Coastal Villages"]
    assert (str(r.start), str(r.end)) == ("2022-05-01", "2025-04-30")
    assert r.budget is not None and (r.budget.amount, r.budget.currency) == (310000, "USD")
    assert {p.name for p in r.partners} >= {"Blue Coast Trust (BCT)", "Ministry of Fisheries"}


def test_an_faq_page_is_the_programme_its_title_names_and_its_term_is_read_from_a_later_answer(
        tmp_path: Path) -> None:
    recs = _records(tmp_path, "faq.html", (
        "<html><body><main><h1>Village Seed Vaults – FAQ</h1><p>Last updated 4 May 2025</p>"
        "<details><summary>What are Village Seed Vaults?</summary>"
        "<p>Village Seed Vaults is a programme that helps farmer groups store local seed varieties.</p></details>"
        "<details><summary>How long will it last?</summary>"
        "<p>It runs from June 2023 to May 2027. Its first village vault opened in August 2023.</p></details>"
        "</main></body></html>"))
    assert [(r.title, r.kind) for r in recs] == [("Village Seed Vaults", "programme")]
    assert (str(recs[0].start), str(recs[0].end)) == ("2023-06", "2027-05")


def test_the_html_reader_keeps_a_details_summary() -> None:
    from initiatives.ingest.readers import read_html

    text = read_html(b"<html><body><details><summary>Who funds it?</summary><p>The EU.</p></details></body></html>",
                     "x.html")
    assert "Who funds it?" in text and "The EU." in text


def test_pilots_named_by_country_in_a_programme_page_sentences(tmp_path: Path) -> None:
    recs = _records(tmp_path, "page.md", (
        "# School Meals Data Programme\n\n"
        "The School Meals Data Programme is a programme that tracks meals served in primary schools. "
        "It is led by WFP.\n\n"
        "Two pilots are running. The Malawi pilot started in March 2024 in Dedza. The Zambia pilot began in "
        "July 2024 with the Ministry of Education.\n"))
    by_title = {r.title: r for r in recs}
    assert set(by_title) >= {"School Meals Data Programme pilot: Malawi", "School Meals Data Programme pilot: Zambia"}
    zm = by_title["School Meals Data Programme pilot: Zambia"]
    assert zm.kind == "pilot" and zm.countries == ["ZMB"] and str(zm.start) == "2024-07"
    assert str(by_title["School Meals Data Programme pilot: Malawi"].start) == "2024-03"


def test_a_listing_funding_source_given_once_goes_to_every_row(tmp_path: Path) -> None:
    recs = _records(tmp_path, "rows.txt", (
        "Ref|Organization|Project title|Amount\n"
        "KE-01|Lake Aid|Boreholes for schools in Turkana|USD 40,000\n"
        "KE-02|Dry Lands Trust|Fodder banks for herders in Marsabit|USD 55,000\n\n"
        "Source of funds for these grants: Kenya Resilience Window of the Africa Climate Fund.\n"))
    assert sorted(r.code or "" for r in recs) == ["KE-01", "KE-02"]  # the funding line names no record of its own
    assert {r.funding_source for r in recs} == {"Kenya Resilience Window of the Africa Climate Fund"}


def test_a_fund_masthead_over_a_list_subtitle_is_the_funding_source_of_the_rows(tmp_path: Path) -> None:
    recs = _records(tmp_path, "alloc.txt", (
        "HIGHLANDS EMERGENCY FUND\n"
        "2025 Reserve Allocation - approved projects\n\n"
        "Code|Organization|Project title|Amount\n"
        "HE-01|Peak Relief|Winter shelter kits for mountain villages|USD 70,000\n"
        "HE-02|Valley Health|Mobile clinics for snowbound districts|USD 90,000\n"))
    assert {r.funding_source for r in recs} == {"Highlands Emergency Fund"}


def test_numeric_dates_are_read_when_the_day_cannot_be_the_month() -> None:
    from initiatives.ingest.normalise import parse_date

    assert str(parse_date("28/02/2023")) == "2023-02-28"  # day first
    assert str(parse_date("11/30/2025")) == "2025-11-30"  # month first
    assert str(parse_date("03/04/2024")) == "2024"  # either: the year only, as before


def test_a_scheme_named_above_a_table_funds_its_rows(tmp_path: Path) -> None:
    recs = _records(tmp_path, "annex.md", (
        "# Annual results 2024\n\n"
        "The table lists the grants the agency awarded in 2024 under its Rural Connectivity Challenge Fund.\n\n"
        "| Country | Project | Period |\n|---|---|---|\n"
        "| Chad | Solar radio masts | Jan 2023 – Dec 2025 |\n"
        "| Niger | Village Wi-Fi kiosks | Mar 2024 – Feb 2026 |\n"))
    assert {r.title for r in recs} == {"Solar radio masts", "Village Wi-Fi kiosks"}
    assert {r.funding_source for r in recs} == {"Rural Connectivity Challenge Fund"}
