"""The builder of each feed, in the order a night generates them."""

from __future__ import annotations

from credit_warehouse_dev.generator.base import FeedBuilder, Night
from credit_warehouse_dev.generator.corrections import CorrectionBuilder
from credit_warehouse_dev.generator.courts import ConsumptionRestrictionBuilder, DishonestDebtorBuilder
from credit_warehouse_dev.generator.departments import (
    BlacklistBuilder,
    CommitmentBuilder,
    JointMeasureFeedbackBuilder,
    LicenseBuilder,
    MarketSubjectBuilder,
    PenaltyBuilder,
    RedlistBuilder,
)
from credit_warehouse_dev.generator.utilities import GasBuilder, LogisticsBuilder, PowerBuilder, WaterBuilder

BUILDERS: dict[str, type[FeedBuilder]] = {
    builder.feed_name: builder
    for builder in (
        LicenseBuilder, PenaltyBuilder, RedlistBuilder, BlacklistBuilder, CommitmentBuilder, MarketSubjectBuilder,
        JointMeasureFeedbackBuilder,
        WaterBuilder, PowerBuilder, GasBuilder, LogisticsBuilder,
        DishonestDebtorBuilder, ConsumptionRestrictionBuilder, CorrectionBuilder,
    )
}
FEEDS = tuple(BUILDERS)
CorrectionBuilder.builders = BUILDERS


def builder_for(feed: str, night: Night) -> FeedBuilder:
    return BUILDERS[feed](night)
