from decimal import Decimal

import pytest

from initiatives.ingest.normalise import find_money, find_sdgs, parse_range
from initiatives.reference import country_names


@pytest.mark.parametrize("text, start, end", [
    ("June 2014 – December 2016", "2014-06", "2016-12"),
    ("January 2014 - July 2016", "2014-01", "2016-07"),
    ("1 July 2016 – 31 December 2019", "2016-07-01", "2019-12-31"),
    ("December 2021-November 2022", "2021-12", "2022-11"),
    ("April 2018 - 31 December 2021", "2018-04", "2021-12-31"),
    ("June – December 2016", "2016-06", "2016-12"),
    ("July 1, 2016 to March 31, 2018", "2016-07-01", "2018-03-31"),
    ("from March 2021 until February 2025", "2021-03", "2025-02"),
    ("2019-03-01 to 2020-02-28", "2019-03-01", "2020-02-28"),
])
def test_date_ranges(text: str, start: str, end: str) -> None:
    s, e = parse_range(text)
    assert (str(s), str(e)) == (start, end)


def test_year_only_range_is_left_empty() -> None:
    # The schema keeps dates to the month or the day; "2018 – 2020" is not turned into a false precision.
    assert parse_range("2018 – 2020") == (None, None)


def test_reversed_range_keeps_start_only() -> None:
    s, e = parse_range("December 2020 - January 2019")
    assert str(s) == "2020-12" and e is None


@pytest.mark.parametrize("text, amount, currency", [
    ("US$3,518,594.00", Decimal(3518594), "USD"),
    ("$3,056,613", Decimal(3056613), "USD"),
    ("USD 1.2 million", Decimal(1200000), "USD"),
    ("US$ 592,000", Decimal(592000), "USD"),
    ("EUR 850,000", Decimal(850000), "EUR"),
    ("125 ETH", Decimal(125), "ETH"),
    ("20 BTC", Decimal(20), "BTC"),
    ("€2m", Decimal(2000000), "EUR"),
    ("UGX 9.2 billion", Decimal(9200000000), "UGX"),  # any ISO 4217 code written in capitals
    ("NZD 800,000", Decimal(800000), "NZD"),
    ("35 million ZAR", Decimal(35000000), "ZAR"),
    ("NZ$ 1.5m", Decimal(1500000), "NZD"),
])
def test_money(text: str, amount: Decimal, currency: str) -> None:
    hits = find_money(f"The budget is {text} in total.")
    assert [(h.amount, h.currency) for h in hits] == [(amount, currency)]


def test_no_money_in_plain_numbers() -> None:
    assert find_money("500 change-makers met in 2015 for 3 days") == []
    # codes that are also goals, conferences or words are not read as currencies
    assert find_money("contributes to SDG 5 ahead of COP 29 and ALL 3 sessions") == []


def test_sdgs() -> None:
    assert [n for n, _, _ in find_sdgs("governance, SDG 7, 9, 10, 11, 16, 17")] == [7, 9, 10, 11, 16, 17]
    assert [n for n, _, _ in find_sdgs("contributes to SDG 3 and SDG 4")] == [3, 4]
    assert find_sdgs("SDG 18 does not exist") == []


@pytest.mark.parametrize("text, code", [
    ("Buthan", "BTN"), ("Laos", "LAO"), ("Lao People’s Democratic Republic", "LAO"), ("Viet Nam", "VNM"),
    ("Vietnam", "VNM"), ("Republic of Kyrgyzstan", "KGZ"), ("Republic of Uzbekistan", "UZB"),
    ("The Philippines", "PHL"), ("Kosovo*", "XKX"), ("Turkey", "TUR"), ("Côte d'Ivoire", "CIV"),
    ("Norwegian", "NOR"), ("Tanzania", "TZA"),
])
def test_country_names(text: str, code: str) -> None:
    assert country_names.lookup(text) == code


@pytest.mark.parametrize("text", ["Developing Countries", "Global", "Eastern Caribbean", "Least Developed Countries",
                                  "Africa", "Geneva"])
def test_not_a_country(text: str) -> None:
    assert country_names.lookup(text) is None


def test_misspelling_is_not_exact() -> None:
    assert country_names.is_exact("Bhutan") and not country_names.is_exact("Buthan")


def test_countries_in_running_text() -> None:
    text = "in Mauritius and Senegal, Bhutan, and Lao People’s Democratic Republic"
    assert [c for c, _, _ in country_names.find_in_text(text)] == ["MUS", "SEN", "BTN", "LAO"]


def test_a_period_of_two_months_in_prose_needs_no_from(tmp_path) -> None:
    from initiatives.ingest.pipeline import extract_document
    from initiatives.ingest.readers import read_document

    path = tmp_path / "annex.txt"
    path.write_text("ACTIVITIES\n\n1. Coastal Resilience Programme – restores mangroves in Mozambique with USD 3.2 "
                    "million, June 2022 to May 2027.\n\n2. Smart Meters Pilot – a pilot in Jordan with USD 0.4 "
                    "million, Jan 2021 – Dec 2022.\n", encoding="utf-8")
    recs = {r.title: r for r in extract_document(read_document(path)).initiatives}
    assert (str(recs["Coastal Resilience Programme"].start), str(recs["Coastal Resilience Programme"].end)) == (
        "2022-06", "2027-05")
    assert str(recs["Smart Meters Pilot"].end) == "2022-12"
