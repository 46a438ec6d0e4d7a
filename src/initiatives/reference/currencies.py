"""ISO 4217 currencies from `pycountry`, and the crypto-currency codes the registry accepts."""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Crypto-assets have no ISO 4217 code; these are the tickers exchanges and UNICEF's CryptoFund use.
CRYPTO: dict[str, str] = {
    "BTC": "Bitcoin",
    "ETH": "Ether",
    "USDT": "Tether",
    "USDC": "USD Coin",
    "DAI": "Dai",
    "XRP": "XRP",
    "LTC": "Litecoin",
    "BCH": "Bitcoin Cash",
    "ADA": "Cardano",
    "SOL": "Solana",
    "XLM": "Stellar Lumens",
    "CELO": "Celo",
}


@lru_cache(maxsize=1)
def _iso4217() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def is_known(code: str) -> bool:
    return code in _iso4217() or code in CRYPTO


def is_crypto(code: str) -> bool:
    return code in CRYPTO
