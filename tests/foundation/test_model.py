"""Records validate at the edge: ISO countries and currencies, SDGs 1-17, dates that keep their precision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from initiatives.model import Finding, Initiative, Money, Organization, PartialDate, Span


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest"),
    [
        ("2014", "year", dt.date(2014, 1, 1), dt.date(2014, 12, 31)),
        ("2014-06", "month", dt.date(2014, 6, 1), dt.date(2014, 6, 30)),
        ("2016-02", "month", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),
        ("2019-12-31", "day", dt.date(2019, 12, 31), dt.date(2019, 12, 31)),
    ],
)
def test_partial_date_keeps_precision(text: str, precision: str, earliest: dt.date, latest: dt.date) -> None:
    d = PartialDate.parse(text)
    assert d.precision == precision
    assert (d.earliest(), d.latest()) == (earliest, latest)
    assert str(d) == text


@pytest.mark.parametrize("bad", ["June 2014", "2014-13", "2015-02-29", "14-06", "", "2014-6"])
def test_partial_date_rejects_what_is_not_a_date(bad: str) -> None:
    with pytest.raises(ValueError):
        PartialDate.parse(bad)


def test_june_2014_is_not_the_first_of_june() -> None:
    rec = Initiative(start="2014-06", end="2016-12")
    assert rec.model_dump(mode="json")["start"] == "2014-06"
    assert rec.start is not None and rec.start.day is None


def test_countries_are_iso3_from_pycountry_plus_kosovo() -> None:
    rec = Initiative(countries=["bgd", "ETH", "XKX", "BGD"])
    assert rec.countries == ["BGD", "ETH", "XKX"]
    with pytest.raises(ValidationError, match="not an ISO 3166-1 alpha-3"):
        Initiative(countries=["BGX"])
    with pytest.raises(ValidationError):
        Initiative(countries=["Bangladesh"])


def test_currency_iso4217_and_crypto() -> None:
    assert Money(amount="1,200.50", currency="eur").currency == "EUR"
    assert Money(amount=2, currency="BTC").amount == Decimal("2")
    with pytest.raises(ValidationError, match="currency"):
        Money(amount=1, currency="XYZ")
    with pytest.raises(ValidationError, match="not a number"):
        Money(amount="a lot", currency="USD")


def test_sdgs_are_1_to_17() -> None:
    assert Initiative(sdgs=["7", 9, 16]).sdgs == [7, 9, 16]
    for bad in (0, 18, "seven", True):
        with pytest.raises(ValidationError):
            Initiative(sdgs=[bad])


def test_start_must_not_be_after_end_at_their_precision() -> None:
    Initiative(start="2016", end="2016-03")  # same year: fine
    with pytest.raises(ValidationError, match="after end"):
        Initiative(start="2017-01", end="2016-12-31")


def test_every_field_can_carry_sources_but_only_real_fields() -> None:
    span = Span(document="a" * 64, start=10, end=20, text="Bangladesh")
    rec = Initiative(countries=["BGD"], sources={"countries": [span]})
    assert rec.sources["countries"][0].text == "Bangladesh"
    with pytest.raises(ValidationError, match="unknown field"):
        Initiative(sources={"colour": [span]})
    with pytest.raises(ValidationError, match="before its start"):
        Span(document="a" * 64, start=5, end=1)


def test_unknown_fields_and_bad_enums_are_refused() -> None:
    with pytest.raises(ValidationError):
        Initiative.model_validate({"title": "x", "colour": "red"})
    with pytest.raises(ValidationError):
        Initiative(kind="festival")
    with pytest.raises(ValidationError):
        Organization(name="X", type="club")
    with pytest.raises(ValidationError):
        Finding(rule="x", message="m", status="maybe")


def test_assignment_is_validated_too() -> None:
    rec = Initiative()
    with pytest.raises(ValidationError):
        rec.countries = ["ZZZ"]
