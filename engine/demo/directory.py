"""Who answers for the demo's projects: regions, departments, leaders, secretaries."""

from __future__ import annotations

import random
from typing import NamedTuple

from engine.demo.data import (
    CATEGORY_DEPARTMENTS,
    CITY_LEADERS,
    DEPARTMENTS,
    GIVEN_NAMES,
    MAIL_DOMAIN,
    REGIONS,
    SURNAMES,
    Region,
)


class Tables(NamedTuple):
    """Where projects are and who answers for them: the demo's or the benchmark's."""

    regions: tuple[Region, ...] = REGIONS
    departments: dict[str, tuple[str, ...]] = CATEGORY_DEPARTMENTS  # category → departments
    slugs: dict[str, str] = DEPARTMENTS  # department → mailbox
    domain: str = MAIL_DOMAIN


# -- people -------------------------------------------------------------------------
class People:
    """Invented people with unique e-mail addresses (``zhangwei2@anping.songjiang.example``)."""

    def __init__(self, rng: random.Random, domain: str) -> None:
        self.rng = rng
        self.domain = domain
        self.seen: dict[str, int] = {}

    def person(self, host: str) -> tuple[str, str]:
        (surname, s), (given, g) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN_NAMES)
        local = f"{s}{g}@{host}"
        n = self.seen.get(local, 0) + 1
        self.seen[local] = n
        suffix = "" if n == 1 else str(n)
        return surname + given, f"{s}{g}{suffix}@{host}.{self.domain}"


class Directory:
    """Leaders, service secretaries and departments of one programme, with their e-mail."""

    def __init__(self, rng: random.Random, tables: Tables) -> None:
        self.rng = rng
        self.tables = tables
        self.people = People(rng, tables.domain)
        domain = tables.domain
        self.city_leaders = [(x.display, f"{x.slug}.{x.title_slug}@gov.{domain}")
                             for x in CITY_LEADERS]
        self.heads: dict[str, tuple[str, str]] = {}
        for i, region in enumerate(tables.regions):
            surname, slug = SURNAMES[(7 * i + 11) % len(SURNAMES)]
            self.heads[region.name] = (f"{region.name}{surname}{region.head}",
                                       f"{slug}.{region.head_slug}@{region.slug}.{domain}")
        self.city_secretaries = [self.people.person("fgw") for _ in range(24)]
        self.secretaries: dict[str, list[tuple[str, str]]] = {}

    def leader(self, level: str, region: Region) -> tuple[str, str]:
        if level == "provincial":
            return self.city_leaders[self.rng.randrange(2)]
        if level == "city":
            return self.rng.choice(self.city_leaders[2:])
        return self.heads[region.name]

    def secretary(self, level: str, region: Region) -> tuple[str, str]:
        if level != "county":
            return self.rng.choice(self.city_secretaries)
        pool = self.secretaries.get(region.name)
        if pool is None:
            pool = self.secretaries[region.name] = [self.people.person(region.slug)
                                                    for _ in range(3)]
        return self.rng.choice(pool)

    def department(self, category: str, level: str, region: Region) -> tuple[str, str]:
        if level == "county":
            return region.government, f"zhengfu@{region.slug}.{self.tables.domain}"
        choices = self.tables.departments[category]
        if level == "provincial" and self.rng.random() < 0.4:
            name = "市发改委"
        else:
            name = choices[0] if self.rng.random() < 0.5 else self.rng.choice(choices)
        return name, f"{self.tables.slugs[name]}@{self.tables.domain}"


