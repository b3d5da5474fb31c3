"""Storing and loading the advice-centre directory."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory.loader import DirectoryError, Problem
from bot.directory.model import Centre, Directory, Region, Slot
from bot.storage.database import Database
from bot.storage.models import CentreRow, DirectoryMetaRow, RegionRow


def _slot_to_json(slot: Slot) -> dict[str, Any]:
    return {
        "days": list(slot.days),
        "open": slot.opens.isoformat(),
        "close": slot.closes.isoformat(),
    }


def _slot_from_json(data: dict[str, Any]) -> Slot:
    return Slot(
        days=tuple(data["days"]),
        opens=time.fromisoformat(data["open"]),
        closes=time.fromisoformat(data["close"]),
    )


def _centre_row(centre: Centre, position: int) -> CentreRow:
    return CentreRow(
        id=centre.id,
        position=position,
        name=centre.name,
        organisation=centre.organisation,
        region_key=centre.region,
        town=centre.town,
        address=centre.address,
        phone=centre.phone,
        email=centre.email,
        website=centre.website,
        topics=list(centre.topics),
        languages=list(centre.languages),
        age_min=centre.age_min,
        age_max=centre.age_max,
        opening_hours=[_slot_to_json(slot) for slot in centre.opening_hours],
        appointment_only=centre.appointment_only,
        descriptions=dict(centre.descriptions),
    )


def _centre(row: CentreRow) -> Centre:
    return Centre(
        id=row.id,
        name=row.name,
        organisation=row.organisation,
        region=row.region_key,
        town=row.town,
        address=row.address,
        phone=row.phone,
        email=row.email,
        website=row.website,
        topics=tuple(row.topics),
        languages=tuple(row.languages),
        age_min=row.age_min,
        age_max=row.age_max,
        opening_hours=tuple(_slot_from_json(slot) for slot in row.opening_hours),
        appointment_only=row.appointment_only,
        descriptions=dict(row.descriptions),
    )


class DirectoryRepository:
    """Reads and replaces the directory, always in one transaction."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def is_empty(self) -> bool:
        """True when no region is stored yet."""
        async with self._database.session() as session:
            count = await session.scalar(select(func.count()).select_from(RegionRow))
            return not count

    async def load(self) -> Directory | None:
        """The stored directory, or None before the first import."""
        async with self._database.session() as session:
            meta = await session.get(DirectoryMetaRow, 1)
            if meta is None:
                return None
            regions = (await session.scalars(select(RegionRow).order_by(RegionRow.position))).all()
            centres = (await session.scalars(select(CentreRow).order_by(CentreRow.position))).all()
            return Directory(
                timezone=meta.timezone,
                regions=tuple(Region(row.key, row.name, tuple(row.towns)) for row in regions),
                topic_definitions=dict(meta.topic_definitions),
                centres=tuple(_centre(row) for row in centres),
            )

    async def replace(self, directory: Directory, now: datetime) -> None:
        """Make ``directory`` the whole directory: what it lacks is gone afterwards."""
        async with self._database.session() as session, session.begin():
            await session.execute(delete(CentreRow))
            await session.execute(delete(RegionRow))
            await self._write(session, directory, now)

    async def merge(self, directory: Directory, now: datetime) -> Directory:
        """Add and update regions and centres from ``directory``; keep the rest."""
        current = await self.load()
        if current is None:
            await self.replace(directory, now)
            return directory
        regions = {region.key: region for region in current.regions}
        regions.update({region.key: region for region in directory.regions})
        centres = {centre.id: centre for centre in current.centres}
        centres.update({centre.id: centre for centre in directory.centres})
        merged = Directory(
            timezone=directory.timezone,
            regions=tuple(regions.values()),
            topic_definitions={**current.topic_definitions, **directory.topic_definitions},
            centres=tuple(centres.values()),
        )
        problems = [
            Problem(
                0,
                f"centre '{centre.id}' is in '{centre.town}', which region "
                f"'{centre.region}' does not list after the merge",
            )
            for centre in merged.centres
            if (region := merged.region(centre.region)) is None or centre.town not in region.towns
        ]
        if problems:
            raise DirectoryError(problems)
        await self.replace(merged, now)
        return merged

    @staticmethod
    async def _write(session: AsyncSession, directory: Directory, now: datetime) -> None:
        meta = await session.get(DirectoryMetaRow, 1)
        if meta is None:
            meta = DirectoryMetaRow(id=1)
            session.add(meta)
        meta.timezone = directory.timezone
        meta.topic_definitions = dict(directory.topic_definitions)
        meta.updated_at = now
        for position, region in enumerate(directory.regions):
            session.add(
                RegionRow(
                    key=region.key, position=position, name=region.name, towns=list(region.towns)
                )
            )
        await session.flush()
        session.add_all(
            _centre_row(centre, position) for position, centre in enumerate(directory.centres)
        )
