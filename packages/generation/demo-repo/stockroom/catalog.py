"""The product catalog."""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Optional

from stockroom.errors import UnknownProductError
from stockroom.models import Product


def normalize_sku(raw: str) -> str:
    """Upper-case a SKU and collapse spaces and underscores to dashes."""
    cleaned = raw.strip().upper()
    for separator in (" ", "_"):
        cleaned = cleaned.replace(separator, "-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned


class Catalog:
    """Products by normalized SKU."""

    def __init__(self, products: Optional[Iterable[Product]] = None) -> None:
        self._products: Dict[str, Product] = {}
        for product in products or ():
            self.add(product)

    def __len__(self) -> int:
        return len(self._products)

    def __iter__(self) -> Iterator[Product]:
        return iter(sorted(self._products.values(), key=lambda product: product.sku))

    def add(self, product: Product, replace: bool = False) -> Product:
        """Add a product; re-adding a SKU needs ``replace=True``."""
        product.validate()
        key = normalize_sku(product.sku)
        if key in self._products and not replace:
            raise ValueError(f"duplicate sku: {key}")
        self._products[key] = product
        return product

    def get(self, sku: str) -> Product:
        """The product for ``sku``; raises ``UnknownProductError`` if missing."""
        key = normalize_sku(sku)
        try:
            return self._products[key]
        except KeyError:
            raise UnknownProductError(key) from None

    def remove(self, sku: str) -> Product:
        """Remove and return a product."""
        product = self.get(sku)
        del self._products[normalize_sku(sku)]
        return product

    def search(self, text: str, limit: int = 20) -> List[Product]:
        """Products whose name or SKU contains ``text``, best matches first."""
        needle = text.strip().lower()
        if not needle:
            return []
        scored = []
        for product in self._products.values():
            name = product.name.lower()
            if name.startswith(needle) or product.sku.lower() == needle:
                scored.append((0, product.sku, product))
            elif needle in name or needle in product.sku.lower():
                scored.append((1, product.sku, product))
        scored.sort(key=lambda entry: (entry[0], entry[1]))
        return [product for _, _, product in scored[:limit]]

    def in_price_range(self, low_cents: int, high_cents: int) -> List[Product]:
        """Products priced between the bounds, both included, cheapest first."""
        if low_cents > high_cents:
            low_cents, high_cents = high_cents, low_cents
        matching = [
            product
            for product in self._products.values()
            if low_cents <= product.unit_price_cents <= high_cents
        ]
        return sorted(matching, key=lambda product: (product.unit_price_cents, product.sku))

    def tagged(self, tag: str) -> List[Product]:
        """Products carrying ``tag``, by SKU."""
        result = []
        for product in self:
            if product.has_tag(tag):
                result.append(product)
        return result
