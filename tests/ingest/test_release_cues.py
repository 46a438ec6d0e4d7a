"""Generic cues of releases, news copies and listings, each on a small text written for the test."""

from __future__ import annotations

from pathlib import Path

from initiatives.ingest.labels import family_of
from initiatives.ingest.orgs import find_orgs

from .conftest import records_in as _records


def test_a_column_whose_unit_is_a_currency_holds_budgets(tmp_path: Path) -> None:
    assert family_of("approved (usd)") == "budget"
    assert family_of("disbursed (us$)") == "budget"
    assert family_of("population (m)") is None  # a unit that is no currency
    recs = _records(tmp_path, "t.md", "## Active projects\n\n"
                    "| Ref. | Project | Implementing entities | Country | Approved (EUR) |\n"
                    "|---|---|---|---|---:|\n"
                    "| AB-01 | Flood maps for river towns | UNDP; Friends of the Rivers | Ghana | 250,000 |\n"
                    "| AB-02 | Seed banks for dry seasons | FAO | Mali | 90,500 |\n")
    by_code = {r.code: r for r in recs}
    assert by_code["AB-01"].budget is not None and int(by_code["AB-01"].budget.amount) == 250000
    assert by_code["AB-01"].budget.currency == "EUR"
    # a semicolon separates entities, whatever their names look like
    assert [p.name for p in by_code["AB-01"].partners] == ["UNDP", "Friends of the Rivers"]


def test_a_numbered_list_of_companies_after_an_introducing_sentence_is_one_investment_each(tmp_path: Path) -> None:
    recs = _records(tmp_path, "news.txt", (
        "Good Tech Digest - Issue 7\n\n"
        "Seed fund picks three water start-ups\n"
        "by A. Writer | 3 March 2025\n\n"
        "LIMA - The Andes Water Fund has made investments in three start-ups, it said on Monday.\n\n"
        "The companies:\n\n"
        "1) AguaViva (Peru) - sensors for village water tanks; US$50,000.\n"
        "2) RioData (Chile) - river level alerts by SMS; US$40,000.\n"
        "3) Pozo (Bolivia) - a well-drilling marketplace; US$30,000.\n"))
    press = [r for r in recs if r.extras.get("segment") == "press"]
    assert [r.title for r in press] == ["Seed fund picks three water start-ups"]  # not the masthead
    items = {r.title: r for r in recs if r.kind == "investment" and r.extras.get("segment") == "item"}
    assert set(items) == {"AguaViva", "RioData", "Pozo"}
    assert int(items["RioData"].budget.amount) == 40000 and items["RioData"].countries == ["CHL"]
    assert str(items["Pozo"].date_announced) == "2025-03-03"  # announced with the round
    assert "Andes Water Fund" in {p.name for p in items["Pozo"].partners if p.role == "funder"}


def test_a_known_organisation_named_like_a_fund_is_a_funder_not_an_initiative(tmp_path: Path) -> None:
    found = find_orgs("financed with US$ 2 million from the Global Fund to Fight AIDS, Tuberculosis and Malaria.")
    assert [(o.name, o.type) for o in found] == [("Global Fund to Fight AIDS, Tuberculosis and Malaria",
                                                  "multilateral")]
    recs = _records(tmp_path, "release.txt", (
        "Ministry and WHO sign agreement on malaria data\n\n"
        "ACCRA, 2 June 2025 - The World Health Organization and the Government of Ghana today signed an agreement "
        "to share malaria surveillance data. The Ghana Malaria Data Agreement is financed with US$ 2 million from "
        "the Global Fund to Fight AIDS, Tuberculosis and Malaria.\n"))
    assert [r.title for r in recs] == ["Ministry and WHO sign agreement on malaria data"]
    funders = [p.name for p in recs[0].partners if p.role == "funder"]
    assert funders == ["Global Fund to Fight AIDS, Tuberculosis and Malaria"]


def test_the_headline_subject_named_in_the_lead_is_not_a_second_record(tmp_path: Path) -> None:
    recs = _records(tmp_path, "release.txt", (
        "UNDP and Fiji launch national solar schools partnership\n\n"
        "SUVA, 5 May 2025 - UNDP and the Government of Fiji today signed an agreement. The Fiji Solar Schools "
        "Partnership will equip 120 schools with solar power from July 2025 to June 2027.\n"))
    assert [(r.kind, r.title) for r in recs] == [("partnership", "UNDP and Fiji launch national solar schools "
                                                                 "partnership")]
    assert (str(recs[0].start), str(recs[0].end)) == ("2025-07", "2027-06")


def test_an_organisation_someone_worked_with_is_a_partner(tmp_path: Path) -> None:
    recs = _records(tmp_path, "cards.md", (
        "## Mapping flood risk with drones\n\n"
        "The lab worked with Kathmandu University to map settlements.\n\n"
        "- **Where:** Nepal\n- **When:** March 2024 - November 2024\n\n"
        "## Price alerts for traders\n\n"
        "The lab sends weekly price alerts; the Open Markets Foundation co-funds the messages.\n\n"
        "- **Where:** Ghana\n- **When:** June 2024 - May 2025\n"))
    by_title = {r.title: r for r in recs}
    drone = by_title["Mapping flood risk with drones"]
    assert ("Kathmandu University", "partner") in {(p.name, p.role) for p in drone.partners}
    alerts = by_title["Price alerts for traders"]
    assert ("Open Markets Foundation", "funder") in {(p.name, p.role) for p in alerts.partners}


def test_a_listing_with_codes_set_apart_by_wide_gaps_and_fields_side_by_side(tmp_path: Path) -> None:
    recs = _records(tmp_path, "listing.txt", (
        "PROJECTS OF THE 9th ROUND\n\n"
        "1904A  Water accounts for island States\n"
        "Entity: ESCAP, with UNEP      Budget: $410,000      Period: 01/2019 - 12/2021\n"
        "Beneficiary countries: Fiji, Trinidad and Tobago, Saint Vincent and the Grenadines\n\n"
        "1904B  Census data for small towns\n"
        "Entity: ECA      Budget: $380,000      Period: 03/2019 - 02/2022\n"
        "Beneficiary countries: Ghana, Bosnia and Herzegovina\n"))
    by_code = {r.code: r for r in recs}
    assert set(by_code) == {"1904A", "1904B"}
    a = by_code["1904A"]
    assert a.title == "Water accounts for island States"
    assert (str(a.start), str(a.end), int(a.budget.amount)) == ("2019-01", "2021-12", 410000)
    assert a.countries == ["FJI", "TTO", "VCT"]  # a country's name written with "and" is one country
    assert {(p.name, p.role) for p in a.partners} >= {("ESCAP", "lead"), ("UNEP", "partner")}
    assert by_code["1904B"].countries == ["GHA", "BIH"]


def test_a_pilots_table_under_a_heading_that_names_no_initiative_is_titled_by_the_page(tmp_path: Path) -> None:
    recs = _records(tmp_path, "page.md", (
        "# Clean Cooking for Schools\n\n"
        "Clean Cooking for Schools replaces firewood stoves in school kitchens.\n\n"
        "## Where we work\n\n"
        "| Country | Pilot site | Utility partner | Since |\n"
        "|---|---|---|---|\n"
        "| Kenya | Kisumu | Kisumu Energy Company | May 2023 |\n"
        "| Malawi | Zomba | Zomba Power Cooperative | June 2024 |\n"))
    rows = {r.title: r for r in recs if r.extras.get("segment") == "row"}
    assert set(rows) == {"Clean Cooking for Schools pilot: Kenya", "Clean Cooking for Schools pilot: Malawi"}
    kenya = rows["Clean Cooking for Schools pilot: Kenya"]
    assert (kenya.kind, kenya.status, str(kenya.start), kenya.location) == ("pilot", "ongoing", "2023-05", "Kisumu")
    assert [p.name for p in kenya.partners if p.role == "partner"] == ["Kisumu Energy Company"]


def test_a_release_of_something_that_will_begin_later_is_planned(tmp_path: Path) -> None:
    recs = _records(tmp_path, "wire.txt", (
        "Bank, UNICEF team up on school meals in the Sahel\n\n"
        "DAKAR, 3 March 2025 - The West Africa Savings Bank and UNICEF said on Monday they would work together "
        "to fund school meals in Mali and Niger.\n\n"
        "The two-year partnership, the Sahel School Meals Initiative, will begin in September 2025.\n"))
    assert [(r.kind, r.title) for r in recs] == [("partnership", "Bank, UNICEF team up on school meals in the Sahel")]
    rec = recs[0]
    assert (rec.status, str(rec.start)) == ("planned", "2025-09")
    assert "UNICEF" in {p.name for p in rec.partners if p.role == "partner"}


def test_a_long_summary_ends_at_a_sentence_and_leaves_out_tables_and_sub_headings(tmp_path: Path) -> None:
    sentence = "The programme trains district health teams to use the new records system every month. "
    recs = _records(tmp_path, "page.md", (
        "## Health Records Programme\n\n"
        + sentence * 6 + "\n\n### Sessions\n\n| Session | Day |\n|---|---|\n| Opening | 15 May |\n\n"
        + sentence * 6 + "\n\n- **Countries:** Kenya\n- **Budget:** USD 1,000,000\n"))
    rec = next(r for r in recs if r.title == "Health Records Programme")
    assert len(rec.summary) <= 800 and rec.summary.endswith("every month.")
    assert "|" not in rec.summary and "Sessions" not in rec.summary


def test_an_events_calendar_gives_events_with_their_venue(tmp_path: Path) -> None:
    recs = _records(tmp_path, "calendar.txt", (
        "Digital Government Events 2023\n\n--\n"
        "Event: Regional Forum on Data Protection\nWhen: 12-14 June 2023\nWhere: Bangkok, Thailand\n"
        "Organisers: ESCAP; ITU\n--\n"
        "Event: Workshop on Cybersecurity for Cities\nWhen: 21 November 2023\nWhere: Online\n"
        "Participants: officials from Bhutan, Nepal and Mongolia.\n--\n"))
    by_title = {r.title: r for r in recs}
    forum = by_title["Regional Forum on Data Protection"]
    assert (forum.kind, forum.location, forum.countries, forum.country_groups) == ("event", "Bangkok", ["THA"], [])
    workshop = by_title["Workshop on Cybersecurity for Cities"]
    assert (workshop.kind, workshop.location, workshop.country_groups) == ("event", "Online", [])


def test_a_page_named_by_its_heading_whose_first_paragraph_calls_it_a_programme_is_a_record(tmp_path: Path) -> None:
    recs = _records(tmp_path, "page.md", (
        "# Clean Cooking for Schools\n\n"
        "Clean Cooking for Schools replaces firewood stoves in school kitchens in Kenya and Malawi. The programme "
        "started in March 2023 and will run until February 2026.\n\n"
        "## Where we work\n\n"
        "| Country | Pilot site | Since |\n|---|---|---|\n| Kenya | Kisumu | May 2023 |\n| Malawi | Zomba | June 2024 |\n"))
    by_title = {r.title: r for r in recs}
    page = by_title["Clean Cooking for Schools"]
    assert (page.kind, str(page.start), str(page.end)) == ("programme", "2023-03", "2026-02")
    assert "Clean Cooking for Schools pilot: Kenya" in by_title


def test_a_release_announcing_a_series_of_events_dates_and_leads_each(tmp_path: Path) -> None:
    recs = _records(tmp_path, "advisory.txt", (
        "MEDIA ADVISORY\n\n"
        "UN-Habitat and the African Development Bank to hold three city finance dialogues\n"
        "Nairobi, 14 April 2025\n\n"
        "UN-Habitat and the African Development Bank (AfDB) will convene three regional dialogues on municipal "
        "finance, under a facility launched with EUR 15 million from the European Union.\n\n"
        "Kigali dialogue (20-21 May 2025): mayors from Rwanda, Burundi and Uganda will\n"
        "discuss own-source revenue and property tax registers.\n\n"
        "Dakar dialogue (17-18 June 2025): city treasurers from Senegal, Mali and\n"
        "Cote d'Ivoire will look at green bonds.\n\n"
        "Lusaka dialogue (8-9 July 2025): finance officers from Zambia and\n"
        "Malawi will focus on borrowing frameworks.\n\n"
        "Registration opens on 1 May.\n"))
    events = {r.title: r for r in recs if r.kind == "event"}
    assert set(events) == {"Kigali dialogue", "Dakar dialogue", "Lusaka dialogue"}  # the dates are no part of the name
    kigali = events["Kigali dialogue"]
    assert (str(kigali.start), str(kigali.end), str(kigali.date_announced)) == ("2025-05-20", "2025-05-21",
                                                                                  "2025-04-14")
    assert [(p.name, p.role) for p in kigali.partners] == [("UN-Habitat", "lead"), ("African Development Bank", "lead")]
    assert kigali.countries == ["RWA", "BDI", "UGA"]


def test_a_label_on_the_next_line_is_no_part_of_an_organisation_name() -> None:
    found = find_orgs("Money: USD 1,750,000 from the Government of Italy What: Ear-tags for herders")
    assert [o.name for o in found] == ["Government of Italy"]
    found = find_orgs("UN-Habitat and the African Development Bank (AfDB) will convene")
    assert [(o.name, o.acronym) for o in found] == [("UN-Habitat", "UN-Habitat"), ("African Development Bank", "AfDB")]


def test_a_listing_dated_by_its_status_gives_each_undated_status(tmp_path: Path) -> None:
    recs = _records(tmp_path, "portfolio.txt", (
        "COUNTRY PORTFOLIO\nStatus at 31 December 2024\n\n"
        "AB-101: Rural roads maintenance\nPeriod: March 2021 - June 2024\nBudget: USD 1,000,000\n\n"
        "AB-102: School meals in the north\nPeriod: January 2023 - December 2026\nBudget: USD 2,000,000\n\n"
        "AB-103: Flood early warning\nPeriod: March 2025 - February 2028\nBudget: USD 500,000\n"))
    status = {r.code: r.status for r in recs}
    assert status == {"AB-101": "completed", "AB-102": "ongoing", "AB-103": "planned"}


def test_a_release_counting_the_initiatives_it_announces_has_no_record_of_its_own(tmp_path: Path) -> None:
    recs = _records(tmp_path, "release.md", (
        "# FAO and WFP launch three initiatives for school gardens\n\n"
        "**ROME, 3 June 2025** – The Food and Agriculture Organization (FAO) and the World Food Programme (WFP) "
        "today announced three joint initiatives for school gardens.\n\n"
        "The first, the School Garden Seeds Initiative, will give seeds to 2,000 schools.\n\n"
        "The second is the Garden Tools Fund, a USD 2 million facility for school tools.\n\n"
        "Finally, the two agencies will start a Garden Meals Pilot in Ghana in September 2025.\n\n"
        "## About FAO\nFAO leads international efforts to defeat hunger.\n"))
    assert {r.title for r in recs} == {"School Garden Seeds Initiative", "Garden Tools Fund", "Garden Meals Pilot"}
    for r in recs:
        assert (str(r.date_announced), r.location) == ("2025-06-03", "Rome")
        assert {"Food and Agriculture Organization", "World Food Programme"} <= {p.name for p in r.partners
                                                                                  if p.role == "lead"}


def test_a_news_item_opened_by_its_dateline_is_not_titled_by_the_place(tmp_path: Path) -> None:
    recs = _records(tmp_path, "digest.md", (
        "# Innovation Digest\n\n"
        "### Drone maps for flood planning\n\n"
        "KATHMANDU — A project mapping 1,200 hectares with drones started in March 2024 with USD 85,000.\n\n"
        "### Price alerts for market traders\n\n"
        "ACCRA — A service sending weekly price alerts started in June 2024 with USD 40,000.\n\n"
        "### Solar cold rooms for markets\n\n"
        "DHAKA — A project installing solar cold rooms started in January 2025 with USD 60,000.\n"))
    titles = {r.title for r in recs}
    assert not titles & {"KATHMANDU", "ACCRA", "DHAKA"}
    assert "Price alerts for market traders" in titles


def test_a_numbered_entry_headed_by_its_code_alone_is_titled_by_the_next_line(tmp_path: Path) -> None:
    recs = _records(tmp_path, "allocation.txt", (
        "COUNTRY POOLED FUND\nFirst allocation - approved projects\n\n"
        "1. CPF-24/SA1/WASH/0101\n   Water trucking for displaced families\n"
        "   Partner: Water Relief | Budget: US$ 850,000 | Duration: 12 months (March 2024 - February 2025)\n\n"
        "2. CPF-24/SA1/HEALTH/0114\n   Mobile health clinics in the east\n"
        "   Partner: Health Now | Budget: US$ 620,000 | Duration: 9 months (March 2024 - November 2024)\n"))
    by_code = {r.code: r.title for r in recs}
    assert by_code == {"CPF-24/SA1/WASH/0101": "Water trucking for displaced families",
                       "CPF-24/SA1/HEALTH/0114": "Mobile health clinics in the east"}


def test_the_documents_genre_is_no_part_of_a_title(tmp_path: Path) -> None:
    recs = _records(tmp_path, "note.md", (
        "# Digital Farm Services Programme – Concept Note\n\n"
        "The Digital Farm Services Programme will give 250,000 farmers weather advice in Malawi from January 2025 "
        "to December 2028 with EUR 6.8 million.\n"))
    assert [r.title for r in recs] == ["Digital Farm Services Programme"]


def test_a_post_with_a_posted_by_byline_and_pictogram_fields_is_one_release(tmp_path: Path) -> None:
    recs = _records(tmp_path, "post.txt", (
        "Big news: we are joining hands with UNICEF on school meals 🍲\n\n"
        "Posted by Harvest Kitchens Uganda · 2 March 2025 · 4 min read\n\n"
        "Harvest Kitchens Uganda and UNICEF have signed a partnership to serve hot meals in 300 schools.\n\n"
        "📍 Where: Uganda\n"
        "📅 When: April 2025 – March 2027\n"
        "💰 Budget: USD 900,000\n\n"
        "\"Children learn better when they are not hungry,\" said our founder.\n"))
    assert [r.title for r in recs] == ["Big news: we are joining hands with UNICEF on school meals"]
    r = recs[0]
    assert str(r.date_announced) == "2025-03-02" and r.countries == ["UGA"]
    assert (str(r.start), str(r.end)) == ("2025-04", "2027-03")


def test_a_byline_run_into_a_weekday_date_and_time_dates_a_news_copy(tmp_path: Path) -> None:
    recs = _records(tmp_path, "copy.txt", (
        "Fishers in Mwanza to sell catch through mobile auctions under WFP scheme\n\n"
        "By Amina Said Thursday, March 6, 2025 09:15\n\n"
        "Fishers on the lake shore will sell their catch through a mobile auction app, under a deal signed with "
        "WFP on Wednesday.\n"))
    assert len(recs) == 1 and str(recs[0].date_announced) == "2025-03-06"


def test_a_release_naming_its_own_partnership_in_the_next_sentence_gives_one_record_and_its_term(
        tmp_path: Path) -> None:
    recs = _records(tmp_path, "release.txt", (
        "Ghana and ITU join forces on rural broadband for clinics\n\n"
        "ACCRA, 3 February 2025 - The Government of Ghana and ITU today signed an agreement to connect 500 rural "
        "clinics. The four-year Clinic Broadband Partnership will be funded by the European Union.\n\n"
        "Work will begin in May 2025 and end in April 2029.\n\n"
        "\"Every clinic online,\" said the minister.\n"))
    assert [r.title for r in recs] == ["Ghana and ITU join forces on rural broadband for clinics"]
    assert (str(recs[0].start), str(recs[0].end)) == ("2025-05", "2029-04")


def test_a_plain_text_newsletter_with_a_banner_and_a_contents_list(tmp_path: Path) -> None:
    rule = "-" * 60
    recs = _records(tmp_path, "issue.txt", (
        "=" * 60 + "\n"
        "  RIVER BASIN NOTES  ·  No. 7  ·  May 2025\n"
        "  News from the Zambezi Water Network\n"
        + "=" * 60 + "\n\n"
        "IN THIS ISSUE\n"
        "  1. Malawi and Zambia sign a flood-warning agreement\n"
        "  2. Water Data Sprint in Harare, 10-11 June\n"
        "  3. A new fund for irrigation co-operatives opens its first call\n\n"
        + rule + "\n1. MALAWI AND ZAMBIA SIGN A FLOOD-WARNING AGREEMENT\n" + rule + "\n"
        "Lusaka, 5 May 2025 - The water ministries of Malawi and Zambia signed an agreement to share river gauge\n"
        "readings every hour during the rainy season.\n\n"
        "Read more: https://example.org/a\n\n"
        + rule + "\n2. WATER DATA SPRINT IN HARARE, 10-11 JUNE\n" + rule + "\n"
        "The Water Data Sprint brings 60 hydrologists to Harare, Zimbabwe, on 10 and 11 June 2025.\n\n"
        + rule + "\n3. A NEW FUND FOR IRRIGATION CO-OPERATIVES OPENS ITS FIRST CALL\n" + rule + "\n"
        "The Smallholder Irrigation Fund, financed by the Nordic Development Fund, opened a USD 2 million call\n"
        "for co-operatives in Mozambique and Malawi. Applications close on 30 June 2025.\n\n"
        + rule + "\n"
        "You are receiving this email because you joined the network.\n"
        "Unsubscribe | Update preferences\n"))
    titles = [r.title for r in recs]
    assert "MALAWI AND ZAMBIA SIGN A FLOOD-WARNING AGREEMENT" in titles  # the item's heading, without its number
    assert "A NEW FUND FOR IRRIGATION CO-OPERATIVES OPENS ITS FIRST CALL" in titles
    assert not any("Zambezi Water Network" in (t or "") or (t or "").startswith(("1.", "Malawi and Zambia sign"))
                   for t in titles)  # neither the banner nor the contents list is a record
    assert len(recs) == 3


def test_investees_each_named_with_a_country_in_one_sentence_make_a_round(tmp_path: Path) -> None:
    recs = _records(tmp_path, "round.txt", (
        "Harbour Ventures backs two ocean start-ups in East Africa\n\n"
        "MOMBASA, 12 May 2025 - Harbour Ventures has invested USD 700,000 in two young companies: "
        "NetMend (Kenya), which recycles fishing nets, receives USD 400,000; and Kelp Works (Tanzania), a seaweed "
        "processor, receives USD 300,000.\n\n"
        "Related: Harbour Ventures opens its second call\n"))
    by_title = {r.title: r for r in recs}
    assert set(by_title) == {"Harbour Ventures backs two ocean start-ups in East Africa", "NetMend", "Kelp Works"}
    assert by_title["Harbour Ventures backs two ocean start-ups in East Africa"].kind == "investment"
    assert by_title["NetMend"].countries == ["KEN"]
    kelp = by_title["Kelp Works"]
    assert kelp.countries == ["TZA"] and kelp.budget is not None and kelp.budget.amount == 300000


def test_a_digest_item_is_one_record_even_when_its_paragraph_names_the_thing(tmp_path: Path) -> None:
    recs = _records(tmp_path, "digest.md", (
        "# Regional Roundup — April 2025\n\n"
        "### Coders gather in Quito for a water-data weekend\n\n"
        "QUITO — Eighty coders joined the Andes Water Data Hackathon, held on 5-6 April 2025 at a city university. "
        "It was organised by UNDP Ecuador.\n\n"
        "### Mobile clinics piloted along the Napo river\n\n"
        "TENA — A pilot that runs boat clinics for river villages started in February 2025 with the provincial "
        "health office.\n"))
    titles = sorted(r.title for r in recs)
    assert titles == ["Coders gather in Quito for a water-data weekend", "Mobile clinics piloted along the Napo river"]
    assert {r.title: r.kind for r in recs}["Mobile clinics piloted along the Napo river"] == "pilot"


def test_the_sentences_after_a_named_programme_that_speak_of_it_again_give_its_fields(tmp_path: Path) -> None:
    recs = _records(tmp_path, "news.txt", (
        "Partner news\n\n"
        "This spring WHO will launch Clinic Radio Plus, a programme that trains nurses by community radio.\n\n"
        "It runs from April 2025 to March 2028. The programme is funded by the Wellcome Trust.\n"))
    r = next(r for r in recs if r.title == "Clinic Radio Plus")
    assert (str(r.start), str(r.end)) == ("2025-04", "2028-03")
    assert any(p.name == "Wellcome Trust" and p.role == "funder" for p in r.partners)


def test_an_event_held_from_one_day_to_another_of_the_same_month(tmp_path: Path) -> None:
    recs = _records(tmp_path, "event.md", (
        "# Andean Open Data Week\n\n"
        "Andean Open Data Week returns to La Paz, Bolivia, from 7 to 11 April 2025. The event is co-hosted by "
        "UNDP and the national statistics office.\n"))
    ev = next(r for r in recs if r.kind == "event")
    assert (str(ev.start), str(ev.end)) == ("2025-04-07", "2025-04-11")


def test_an_amount_with_a_conversion_in_brackets_before_deal_is_the_budget(tmp_path: Path) -> None:
    recs = _records(tmp_path, "copy.txt", (
        "Mombasa port workers to get digital pay slips under ILO pact\n\n"
        "By Hassan Ali | 14 May 2025\n\n"
        "Port workers will receive digital pay slips after the county signed a USD 1.5 million (about KSh194 million) "
        "deal with the ILO on Tuesday.\n"))
    assert recs and recs[0].budget is not None
    assert (recs[0].budget.amount, recs[0].budget.currency) == (1500000, "USD")


def test_a_section_kicker_with_the_date_above_the_headline_dates_the_story(tmp_path: Path) -> None:
    recs = _records(tmp_path, "story.txt", (
        "FEATURE | 3 June 2024\n\n"
        "Two years on, mobile clinics reach 40,000 patients in northern Peru\n\n"
        "PIURA - The Mobile Health Units programme, run by PAHO with the Ministry of Health of Peru, now visits "
        "60 villages a month. It is funded by the Government of Canada.\n"))
    assert len(recs) == 1
    assert recs[0].title.startswith("Two years on, mobile clinics") and str(recs[0].date_announced) == "2024-06-03"
