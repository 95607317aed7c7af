"""Factories for the asset register."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from yunying.assets.models import Asset, AssetCategory


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    code = factory.Sequence(lambda n: f"FA{n:05d}")
    name = factory.Sequence(lambda n: f"资产{n}")
    category = AssetCategory.KITCHEN
    purchased_on = date(2024, 3, 1)
    cost = Decimal("1200.00")
