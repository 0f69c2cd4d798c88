"""The life of a sandbox company: every fact it will ever have, each with the day it appears.

A company's life is drawn once from its USCC, up to :data:`HORIZON`. The dossier "as of" a
day shows the facts that have appeared by then (see ``render.py``), so a later as-of date is
the earlier dossier plus what happened in between, and the same date always gives the same
dossier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from riskdesk.dossier.sandbox import pools as P
from riskdesk.dossier.sandbox.draw import Draw, seed_for
from riskdesk.dossier.schema import (
    AbnormalOperation,
    AbnormalTaxpayer,
    AnnualReport,
    ChattelMortgage,
    ConsumptionRestriction,
    CourtAnnouncement,
    DishonestDebtor,
    DossierItem,
    Enforcement,
    EnterpriseType,
    EquityPledge,
    InvoiceYear,
    Lawsuit,
    Licence,
    Liquidation,
    NewsArticle,
    Patent,
    Penalty,
    Person,
    SanctionsHit,
    SeriousViolation,
    Shareholder,
    SimplifiedDeregistration,
    TaxArrears,
    TaxCreditGrade,
    TaxViolation,
    TerminatedCase,
    Trademark,
    derive_item_id,
)
from riskdesk.dossier.uscc import normalize_uscc

HORIZON = date(2030, 12, 31)
"""Facts are drawn up to this day; a later as-of date shows nothing new."""
ONLINE_RECORDS_FROM = date(2014, 1, 1)
REPORTS_FROM_YEAR = 2018
"""Annual reports and tax grades are drawn from this year on."""
"""Court, tax and penalty records are public from about this year on."""

type Data = dict[str, Any]


class Tier(StrEnum):
    """How a company's risk develops: most stay clean, a minority get into trouble."""

    CLEAN = "clean"
    WATCH = "watch"
    BAD = "bad"
    SEVERE = "severe"


TIER_WEIGHTS = ((Tier.CLEAN, 0.78), (Tier.WATCH, 0.17), (Tier.BAD, 0.04), (Tier.SEVERE, 0.01))

TYPE_WEIGHTS = (
    (EnterpriseType.PRIVATE, 0.68),
    (EnterpriseType.LOCAL_SOE, 0.09),
    (EnterpriseType.CENTRAL_SOE, 0.03),
    (EnterpriseType.FOREIGN, 0.07),
    (EnterpriseType.JOINT_VENTURE, 0.05),
    (EnterpriseType.HK_MACAO_TAIWAN, 0.05),
    (EnterpriseType.COLLECTIVE, 0.02),
    (EnterpriseType.PUBLIC_INSTITUTION, 0.01),
)

_FORMS = {
    EnterpriseType.PRIVATE: "有限责任公司（自然人投资或控股）",
    EnterpriseType.LOCAL_SOE: "有限责任公司（国有控股）",
    EnterpriseType.CENTRAL_SOE: "有限责任公司（国有独资）",
    EnterpriseType.FOREIGN: "有限责任公司（外国法人独资）",
    EnterpriseType.JOINT_VENTURE: "有限责任公司（中外合资）",
    EnterpriseType.HK_MACAO_TAIWAN: "有限责任公司（台港澳法人独资）",
    EnterpriseType.COLLECTIVE: "集体所有制",
    EnterpriseType.PUBLIC_INSTITUTION: "全民所有制",
}

_SIZE_FACTOR = {
    EnterpriseType.CENTRAL_SOE: 40.0,
    EnterpriseType.LOCAL_SOE: 8.0,
    EnterpriseType.FOREIGN: 3.0,
    EnterpriseType.JOINT_VENTURE: 3.0,
    EnterpriseType.HK_MACAO_TAIWAN: 2.0,
}

_BANKS = (
    "中国工商银行",
    "中国建设银行",
    "中国银行",
    "招商银行",
    "兴业银行",
    "浦发银行",
    "农商银行",
)


@dataclass(frozen=True, slots=True)
class Fact:
    """One list item: its data when it appears, and later updates (status, removal …)."""

    appears: date
    data: Data
    changes: tuple[tuple[date, Data], ...] = ()

    def at(self, as_of: date) -> Data:
        if not self.changes or self.changes[0][0] > as_of:
            return self.data
        merged = dict(self.data)
        for when, update in self.changes:
            if when <= as_of:
                merged.update(update)
        return merged


@dataclass(slots=True)
class CompanyLife:
    uscc: str
    tier: Tier
    short_name: str
    trouble_start: date | None
    registration: Data
    registration_changes: list[tuple[date, Data]] = field(default_factory=list)
    shareholders: list[tuple[date, tuple[Data, ...]]] = field(default_factory=list)
    personnel: list[tuple[date, tuple[Data, ...]]] = field(default_factory=list)
    facts: dict[str, list[Fact]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.registration["name"])


@lru_cache(maxsize=4096)
def company_life(uscc: str) -> CompanyLife:
    """The whole (deterministic) life of the sandbox company with this USCC."""
    return _LifeBuilder(normalize_uscc(uscc)).build()


def with_id(model: type[DossierItem], data: Data) -> Data:
    """Attach the id the schema would derive, so validation never hashes."""
    key = tuple(map(data.get, model.NATURAL_KEY))
    data["id"] = (
        _item_id(model.ID_PREFIX, key) if len(key) == 1 else derive_item_id(model.ID_PREFIX, key)
    )
    return data


@lru_cache(maxsize=65536)
def _item_id(prefix: str, key: tuple[object, ...]) -> str:
    """Single-part keys (years, names) repeat across companies: hash each once."""
    return derive_item_id(prefix, key)


def years_later(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    if day.month == 2 and day.day == 29:
        day = day.replace(day=28)
    return day.replace(year=day.year + years)


class _LifeBuilder:
    """Draws one company's life. Sections are drawn in a fixed order from one seeded stream."""

    def __init__(self, uscc: str) -> None:
        self.uscc = uscc
        self.draw = Draw(seed_for("riskdesk-sandbox", uscc))
        self.pools = P.pools()
        self.facts: dict[str, list[Fact]] = {}

    # -- shared helpers --------------------------------------------------------------

    def add(
        self,
        section: str,
        model: type[DossierItem],
        appears: date,
        data: Data,
        *changes: tuple[date, Data],
    ) -> None:
        if len(changes) > 1:
            changes = tuple(sorted(changes, key=lambda change: change[0]))
        self.facts.setdefault(section, []).append(Fact(appears, with_id(model, data), changes))

    def dates(self, per_year: float, start: date, end: date = HORIZON) -> list[date]:
        """Days of a Poisson process with ``per_year`` events a year over [start, end]."""
        if end <= start or per_year <= 0:
            return []
        count = self.draw.poisson(per_year * (end - start).days / 365.25)
        return sorted(self.draw.day(start, end) for _ in range(count))

    def trouble_dates(self, per_year: float, delay_days: int = 0) -> list[date]:
        if self.trouble_start is None:
            return []
        return self.dates(per_year, self.trouble_start + timedelta(days=delay_days))

    def person(self) -> str:
        return self.draw.pick(self.pools.person_names)

    def other_company(self) -> str:
        return self.draw.pick(self.pools.counterparties)

    def bank(self) -> str:
        return f"{self.draw.pick(_BANKS)}股份有限公司{self.city}分行"

    def amount(self, median: float, sigma: float = 1.0, minimum: int = 1_000) -> int:
        return max(minimum, round(self.draw.lognormal(median, sigma), -2))

    def court(self) -> str:
        if self.draw.chance(0.3):
            return f"{self.city}市中级人民法院"
        return f"{self.city}市{self.draw.pick(self.pools.districts)}区人民法院"

    def case_number(self, on: date, kind: str) -> str:
        serial = self.draw.integer(1, 39_999)
        return f"({on.year}){self.province.abbreviation}{self.draw.digits(4)}{kind}{serial}号"

    # -- the life ------------------------------------------------------------------

    def build(self) -> CompanyLife:
        self._identity()
        life = CompanyLife(
            self.uscc, self.tier, self.short_name, self.trouble_start, self._registration()
        )
        life.registration_changes = self._registration_changes()
        life.shareholders = self._shareholders()
        life.personnel = self._personnel()
        for section in (
            self._licences,
            self._financials,
            self._judicial,
            self._operations,
            self._tax_records,
            self._intellectual_property,
            self._news,
            self._sanctions,
        ):
            section()
        life.facts = self.facts
        return life

    def _identity(self) -> None:
        draw = self.draw
        self.tier = draw.weighted(TIER_WEIGHTS)
        self.trouble_start: date | None = None
        if self.tier is not Tier.CLEAN:
            self.trouble_start = draw.day(date(2019, 1, 1), date(2031, 6, 30))
        self.province = P.PROVINCES.get(self.uscc[2:4]) or draw.pick(tuple(P.PROVINCES.values()))
        self.city = draw.pick(self.province.cities)
        self.industry = draw.weighted([(industry, industry.weight) for industry in P.INDUSTRIES])
        self.enterprise_type = draw.weighted(TYPE_WEIGHTS)
        self.established_on = draw.day(date(1993, 1, 1), date(2024, 6, 30))
        stem, word = draw.pick(self.pools.brand_stems), draw.pick(self.industry.words)
        self.short_name = f"{stem}{word}"
        self.name = self._company_name(stem, word)
        size = _SIZE_FACTOR.get(self.enterprise_type, 1.0)
        self.base_revenue = draw.lognormal(30_000_000 * size, 1.1)
        self.legal_representative = self.person()

    def _company_name(self, stem: str, word: str) -> str:
        kind = self.enterprise_type
        if kind is EnterpriseType.CENTRAL_SOE:
            return f"中国{stem}{word}集团{self.city}有限公司"
        if kind is EnterpriseType.LOCAL_SOE:
            return f"{self.city}市{stem}{word}集团有限公司"
        if kind in {
            EnterpriseType.FOREIGN,
            EnterpriseType.JOINT_VENTURE,
            EnterpriseType.HK_MACAO_TAIWAN,
        }:
            return f"{stem}{word}（{self.city}）有限公司"
        suffix = self.draw.weighted(
            (("有限公司", 0.7), ("股份有限公司", 0.15), ("有限责任公司", 0.15))
        )
        return f"{self.city}{stem}{word}{suffix}"

    def _registration(self) -> Data:
        draw = self.draw
        capital = max(100_000, round(self.base_revenue * draw.between(0.05, 0.4), -4))
        self.capital = capital
        paid_in = None if draw.chance(0.35) else round(capital * draw.between(0.2, 1.0), -4)
        district = draw.pick(self.pools.districts)
        street = draw.pick(self.pools.street_names)
        prefix = "" if self.province.name.startswith(self.city) else self.province.name
        operating_until = None
        if draw.chance(0.3):
            operating_until = years_later(self.established_on, draw.pick((20, 30, 50)))
        return {
            "name": self.name,
            "uscc": self.uscc,
            "legal_representative": self.legal_representative,
            "enterprise_type": self.enterprise_type.value,
            "company_form": _FORMS[self.enterprise_type],
            "status": "存续" if draw.chance(0.8) else "在业",
            "established_on": self.established_on,
            "registered_capital_cny": capital,
            "paid_in_capital_cny": paid_in,
            "address": f"{prefix}{self.city}市{district}区{street}{draw.integer(1, 999)}号",
            "province": self.province.name,
            "city": f"{self.city}市",
            "industry_code": self.industry.code,
            "industry_name": self.industry.name,
            "business_scope": f"一般项目：{self.industry.scope}；技术服务、技术开发、技术咨询。"
            "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
            "registration_authority": f"{self.city}市市场监督管理局",
            "operating_until": operating_until,
        }

    def _registration_changes(self) -> list[tuple[date, Data]]:
        changes: list[tuple[date, Data]] = []
        start = self.established_on + timedelta(days=180)
        self.legal_reps = [(self.established_on, self.legal_representative)]
        for when in self.dates(0.04, start) + self.trouble_dates(0.3):
            person = self.person()
            self.legal_reps.append((when, person))
            changes.append((when, {"legal_representative": person}))
        changes += self._capital_changes(start)
        if self.draw.chance(0.04):
            when = self.draw.day(start, HORIZON)
            changes.append(
                (
                    when,
                    {
                        "name": f"{self.city}{self.short_name}股份有限公司",
                        "former_names": [self.name],
                    },
                )
            )
        changes += self._status_changes()
        self.legal_reps.sort(key=lambda pair: pair[0])
        return sorted(changes, key=lambda change: change[0])

    def _capital_changes(self, start: date) -> list[tuple[date, Data]]:
        changes, capital = [], self.capital
        increases = self.dates(0.05, start)
        reductions = self.dates(0.004, start)
        if self.tier in {Tier.BAD, Tier.SEVERE} and self.draw.chance(0.35):
            reductions += self.trouble_dates(0.4)[:1]
        for when in sorted(increases + reductions):
            factor = (
                self.draw.between(0.2, 0.7) if when in reductions else self.draw.between(1.2, 3.0)
            )
            capital = max(100_000, round(capital * factor, -4))
            changes.append((when, {"registered_capital_cny": capital}))
        return changes

    def _status_changes(self) -> list[tuple[date, Data]]:
        self.closed_on: date | None = None
        if self.trouble_start is not None and self.tier is Tier.SEVERE and self.draw.chance(0.5):
            when = self.draw.days_after(self.trouble_start, 500, 1800)
            if self.draw.chance(0.8):
                self.closed_on = when
                return [(when, {"status": "吊销"})]
            self.add(
                "operations.liquidations",
                Liquidation,
                when,
                {
                    "started_on": when,
                    "leader": self.legal_representative,
                    "members": [self.legal_representative, self.person()],
                },
            )
            return [(when, {"status": "清算"})]
        if self.draw.chance(0.004):
            when = self.draw.day(date(2020, 1, 1), HORIZON)
            self.add(
                "operations.simplified_deregistrations",
                SimplifiedDeregistration,
                when,
                {
                    "announced_from": when,
                    "announced_to": when + timedelta(days=20),
                    "result": None,
                },
                (when + timedelta(days=21), {"result": "准予简易注销"}),
            )
            self.closed_on = when + timedelta(days=21)
            return [(self.closed_on, {"status": "注销"})]
        return []

    # -- ownership and people ---------------------------------------------------------

    def _holders(self) -> list[Data]:
        kind, draw = self.enterprise_type, self.draw
        if kind is EnterpriseType.PUBLIC_INSTITUTION:
            return []
        if kind is EnterpriseType.CENTRAL_SOE:
            owners = [
                (
                    "国务院国有资产监督管理委员会"
                    if draw.chance(0.3)
                    else f"中国{self.short_name}集团有限公司",
                    "state",
                )
            ]
            if draw.chance(0.3):
                owners.append((f"{self.city}市国有资本投资运营有限公司", "state"))
            return self._with_ratios(owners)
        if kind in {EnterpriseType.LOCAL_SOE, EnterpriseType.COLLECTIVE}:
            owners = [(f"{self.city}市人民政府国有资产监督管理委员会", "state")]
            owners += [(self.person(), "natural_person") for _ in range(draw.integer(0, 2))]
            return self._with_ratios(owners, lead_share=draw.between(0.51, 0.95))
        if kind in {EnterpriseType.FOREIGN, EnterpriseType.HK_MACAO_TAIWAN}:
            return self._with_ratios([(self._foreign_owner(), "foreign")])
        if kind is EnterpriseType.JOINT_VENTURE:
            partner = (
                self.other_company()
                if draw.chance(0.7)
                else f"{self.city}市国有资本投资运营有限公司"
            )
            partner_kind = "private" if "国有" not in partner else "state"
            return self._with_ratios(
                [(self._foreign_owner(), "foreign"), (partner, partner_kind)],
                lead_share=draw.between(0.25, 0.75),
            )
        owners = [(self.legal_representative, "natural_person")]
        owners += [(self.person(), "natural_person") for _ in range(draw.integer(0, 3))]
        if draw.chance(0.15):
            owners.append((self.other_company(), "private"))
        return self._with_ratios(owners)

    def _foreign_owner(self) -> str:
        if self.enterprise_type is EnterpriseType.HK_MACAO_TAIWAN:
            return f"{self.short_name}（香港）有限公司"
        return f"{self.draw.pick(P.FOREIGN_STEMS)} {self.draw.pick(P.FOREIGN_FORMS)}"

    def _with_ratios(
        self, owners: list[tuple[str, str]], lead_share: float | None = None
    ) -> list[Data]:
        unique = list(dict.fromkeys(owners))
        if lead_share is not None and len(unique) > 1:
            lead = round(lead_share * 10_000)
            shares = [lead, *self.draw.split(len(unique) - 1, 10_000 - lead)]
        else:
            shares = self.draw.split(len(unique))
        return [
            {
                "name": name,
                "kind": kind,
                "ratio": share / 10_000,
                "subscribed_capital_cny": round(self.capital * share / 10_000, -2),
            }
            for (name, kind), share in zip(unique, shares, strict=True)
        ]

    def _shareholders(self) -> list[tuple[date, tuple[Data, ...]]]:
        holders = self._holders()
        timeline = [(self.established_on, tuple(with_id(Shareholder, dict(h)) for h in holders))]
        transfers = self.dates(0.03, self.established_on + timedelta(days=365))
        transfers += self.trouble_dates(0.25)[:1]
        for when in sorted(transfers):
            holders = self._transfer(holders)
            timeline.append((when, tuple(with_id(Shareholder, dict(h)) for h in holders)))
        return timeline

    def _transfer(self, holders: list[Data]) -> list[Data]:
        """One holder (not the state) sells to a new natural person or to a company."""
        private = [index for index, holder in enumerate(holders) if holder["kind"] != "state"]
        if not private:
            return holders
        index = self.draw.pick(private)
        buyer = self.person() if self.draw.chance(0.7) else self.other_company()
        kind = "natural_person" if len(buyer) <= 4 else "private"
        moved = dict(holders[index], name=buyer, kind=kind)
        result = [holder for position, holder in enumerate(holders) if position != index]
        if any(holder["name"] == buyer for holder in result):
            return holders
        return [*result, moved]

    def _personnel(self) -> list[tuple[date, tuple[Data, ...]]]:
        others = [
            {"name": self.person(), "positions": [self.draw.pick(P.POSITIONS_OTHERS)]}
            for _ in range(self.draw.integer(1, 4))
        ]
        timeline = []
        for when, rep in self.legal_reps:
            people = {person["name"]: person for person in others if person["name"] != rep}
            people[rep] = {"name": rep, "positions": ["执行董事", "总经理"]}
            timeline.append((when, tuple(with_id(Person, dict(p)) for p in people.values())))
        return timeline

    # -- licences and financials -------------------------------------------------------

    def _licences(self) -> None:
        for kind in self.industry.licences:
            if self.draw.chance(0.25):
                continue
            self._licence_chain(kind)

    def _licence_chain(self, kind: P.LicenceKind) -> None:
        issued = self.draw.days_after(self.established_on, 30, 700)
        while issued <= HORIZON:
            number = f"{kind.prefix}{issued.year}{self.province.code}{self.draw.digits(6)}"
            valid_to = (
                None
                if kind.valid_years is None
                else years_later(issued, kind.valid_years) - timedelta(days=1)
            )
            issuer = (
                kind.issuer if kind.issuer == "认证机构" else f"{self.province.name}{kind.issuer}"
            )
            self.add(
                "licences",
                Licence,
                issued,
                {
                    "name": kind.name,
                    "number": number,
                    "issuer": issuer,
                    "valid_from": issued,
                    "valid_to": valid_to,
                },
            )
            if valid_to is None or not self._renews(valid_to):
                return
            issued = valid_to - timedelta(days=self.draw.integer(0, 40))

    def _renews(self, on: date) -> bool:
        troubled = self.trouble_start is not None and on >= self.trouble_start
        if self.closed_on is not None and on >= self.closed_on:
            return False
        return self.draw.chance(0.55 if troubled else 0.93)

    def _margin(self, year: int) -> float:
        troubled = self.trouble_start is not None and year >= self.trouble_start.year
        if not troubled:
            return max(-0.15, self.draw.gauss(0.06, 0.04))
        mean = {Tier.WATCH: 0.0, Tier.BAD: -0.06, Tier.SEVERE: -0.12}[self.tier]
        return max(-0.6, self.draw.gauss(mean, 0.06))

    def _financials(self) -> None:
        draw = self.draw
        asset_ratio, leverage = draw.between(0.7, 1.6), draw.between(0.3, 0.65)
        per_employee = draw.between(400_000, 1_500_000)
        revenue = self.base_revenue
        for year in range(max(self.established_on.year, REPORTS_FROM_YEAR), HORIZON.year):
            margin = self._margin(year)
            troubled = self.trouble_start is not None and year >= self.trouble_start.year
            revenue *= 1 + (draw.gauss(-0.12, 0.15) if troubled else draw.gauss(0.05, 0.12))
            revenue = max(revenue, 50_000.0)
            leverage = min(1.3, leverage + (0.08 if troubled else draw.gauss(0.0, 0.02)))
            assets = revenue * asset_ratio * draw.between(0.95, 1.05)
            liabilities = assets * max(0.05, leverage)
            profit = revenue * margin
            self._annual_report(year, revenue, assets, liabilities, profit, per_employee)
            self._tax_grade(year, troubled)
            if year >= 2021:
                self._invoice_year(year, revenue, troubled)

    def _annual_report(
        self,
        year: int,
        revenue: float,
        assets: float,
        liabilities: float,
        profit: float,
        per_employee: float,
    ) -> None:
        published = self.draw.days_after(date(year + 1, 3, 1), 0, 120)
        if self.closed_on is not None and published >= self.closed_on:
            return
        self.add(
            "financials",
            AnnualReport,
            published,
            {
                "year": year,
                "total_assets_cny": round(assets, -2),
                "total_liabilities_cny": round(liabilities, -2),
                "owners_equity_cny": round(assets, -2) - round(liabilities, -2),
                "revenue_cny": round(revenue, -2),
                "net_profit_cny": round(profit, -2),
                "tax_paid_cny": round(revenue * (0.035 if profit > 0 else 0.01), -2),
                "employees": max(3, round(revenue / per_employee)),
            },
        )

    def _tax_grade(self, year: int, troubled: bool) -> None:
        if year <= self.established_on.year:
            return
        if not troubled:
            grades = (("A", 0.4), ("B", 0.5), ("M", 0.1))
        else:
            grades = {
                Tier.WATCH: (("B", 0.5), ("M", 0.3), ("C", 0.2)),
                Tier.BAD: (("B", 0.3), ("C", 0.5), ("D", 0.2)),
                Tier.SEVERE: (("C", 0.4), ("D", 0.6)),
            }[self.tier]
        grade = "M" if year == self.established_on.year + 1 else self.draw.weighted(grades)
        self.add(
            "tax.credit_grades",
            TaxCreditGrade,
            date(year + 1, 4, 20),
            {"year": year, "grade": grade},
        )

    def _invoice_year(self, year: int, revenue: float, troubled: bool) -> None:
        amount = revenue * 1.13 * self.draw.between(0.9, 1.05)
        ticket = self.draw.between(5_000, 200_000)
        self.add(
            "tax.invoice_stats",
            InvoiceYear,
            date(year + 1, 1, 31),
            {
                "year": year,
                "invoice_count": max(1, round(amount / ticket)),
                "amount_cny": round(amount, -2),
                "red_letter_ratio": round(
                    self.draw.between(0.02, 0.12) if troubled else self.draw.between(0.002, 0.03), 4
                ),
                "void_ratio": round(self.draw.between(0.001, 0.02), 4),
                "customer_count": max(1, round(amount / ticket / self.draw.between(5, 40))),
                "supplier_count": max(1, round(self.draw.lognormal(40, 0.8))),
            },
        )

    # -- judicial ----------------------------------------------------------------------

    def _judicial(self) -> None:
        start = max(self.established_on, ONLINE_RECORDS_FROM)
        trouble_rate = {Tier.CLEAN: 0.0, Tier.WATCH: 0.8, Tier.BAD: 2.5, Tier.SEVERE: 5.0}[
            self.tier
        ]
        for when in self.dates(0.2, start):
            self._lawsuit(when, "plaintiff", 150_000)
        for when in self.dates(0.05, start) + self.trouble_dates(trouble_rate):
            self._lawsuit(
                when,
                "defendant",
                600_000 if self.trouble_start and when >= self.trouble_start else 100_000,
            )
        if self.tier in {Tier.BAD, Tier.SEVERE}:
            self._enforcement_cascade()

    def _lawsuit(self, filed: date, role: str, median: int) -> None:
        case = self.case_number(filed, "民初")
        court = self.court()
        decided = self.draw.days_after(filed, 60, 400)
        outcome = self.draw.weighted((("judged", 0.55), ("mediated", 0.3), ("withdrawn", 0.15)))
        cause = self.draw.pick(P.LAWSUIT_CAUSES)
        self.add(
            "judicial.lawsuits",
            Lawsuit,
            filed,
            {
                "case_number": case,
                "cause": cause,
                "role": role,
                "amount_cny": self.amount(median, 1.2),
                "filed_on": filed,
                "court": court,
                "status": "pending",
                "counterparty": self.other_company(),
            },
            (decided, {"status": outcome}),
        )
        if role == "defendant" and self.draw.chance(0.5):
            published = self.draw.days_after(filed, 20, 120)
            self.add(
                "judicial.court_announcements",
                CourtAnnouncement,
                published,
                {
                    "case_number": case,
                    "kind": "hearing",
                    "published_on": published,
                    "court": court,
                    "cause": cause,
                    "role": role,
                },
            )

    def _enforcement_cascade(self) -> None:
        severe = self.tier is Tier.SEVERE
        for when in self.trouble_dates(2.0 if severe else 0.6, delay_days=120):
            case, court = self.case_number(when, "执"), self.court()
            amount = self.amount(500_000, 1.1)
            self.add(
                "judicial.enforcements",
                Enforcement,
                when,
                {
                    "case_number": case,
                    "court": court,
                    "filed_on": when,
                    "amount_cny": amount,
                },
            )
            if self.draw.chance(0.45 if severe else 0.12):
                self._dishonest(case, court, when, amount)
            if self.draw.chance(0.5 if severe else 0.2):
                self._consumption_restriction(case, court, when)
            if severe and self.draw.chance(0.4):
                ended = self.draw.days_after(when, 180, 720)
                self.add(
                    "judicial.terminated_cases",
                    TerminatedCase,
                    ended,
                    {
                        "case_number": case,
                        "court": court,
                        "filed_on": when,
                        "terminated_on": ended,
                        "amount_cny": amount,
                        "unperformed_cny": round(amount * self.draw.between(0.5, 1.0), -2),
                    },
                )

    def _dishonest(self, case: str, court: str, filed: date, amount: int) -> None:
        published = self.draw.days_after(filed, 60, 300)
        changes = []
        if self.draw.chance(0.3):
            removed = self.draw.days_after(published, 300, 1100)
            changes.append((removed, {"removed_on": removed}))
        self.add(
            "judicial.dishonest_debtors",
            DishonestDebtor,
            published,
            {
                "case_number": case,
                "court": court,
                "filed_on": filed,
                "published_on": published,
                "obligation": "支付货款及利息",
                "performance": "unperformed",
                "behaviour": "有履行能力而拒不履行生效法律文书确定义务",
                "amount_cny": amount,
                "removed_on": None,
            },
            *changes,
        )
        short = self.short_name
        title, tags = P.DISHONEST_NEWS
        self._article(
            self.draw.days_after(published, 1, 20), title.format(short=short), "negative", tags
        )

    def _consumption_restriction(self, case: str, court: str, filed: date) -> None:
        published = self.draw.days_after(filed, 30, 200)
        self.add(
            "judicial.consumption_restrictions",
            ConsumptionRestriction,
            published,
            {
                "case_number": case,
                "court": court,
                "published_on": published,
                "restricted_person": self._legal_rep_on(published),
                "applicant": self.other_company(),
                "removed_on": None,
            },
        )

    def _legal_rep_on(self, on: date) -> str:
        current = self.legal_reps[0][1]
        for when, person in self.legal_reps:
            if when <= on:
                current = person
        return current

    # -- operations and tax ------------------------------------------------------------

    def _operations(self) -> None:
        start = max(self.established_on, ONLINE_RECORDS_FROM)
        self._abnormal(start)
        penalty_rate = {Tier.CLEAN: 0.0, Tier.WATCH: 0.3, Tier.BAD: 0.5, Tier.SEVERE: 0.8}[
            self.tier
        ]
        for when in self.dates(0.03, start) + self.trouble_dates(penalty_rate):
            self._penalty(when)
        if self.tier is Tier.SEVERE and self.trouble_start and self.draw.chance(0.6):
            listed = self.draw.days_after(self.trouble_start, 365, 1400)
            self.add(
                "operations.serious_violations",
                SeriousViolation,
                listed,
                {
                    "listed_on": listed,
                    "reason": self.draw.pick(P.SERIOUS_REASONS),
                    "authority": f"{self.province.name}市场监督管理局",
                    "removed_on": None,
                },
            )
        if self.draw.chance(0.12) or (self.tier is not Tier.CLEAN and self.draw.chance(0.3)):
            for when in self.dates(0.3, start)[:3]:
                self._pledge(when)
        if self.industry.manufacturing and self.draw.chance(0.12):
            for when in self.dates(0.25, start)[:3]:
                self._mortgage(when)

    def _abnormal(self, start: date) -> None:
        listings = [self.draw.day(start, HORIZON)] if self.draw.chance(0.03) else []
        trouble_chance = {Tier.CLEAN: 0.0, Tier.WATCH: 0.3, Tier.BAD: 0.6, Tier.SEVERE: 0.9}[
            self.tier
        ]
        if self.trouble_start and self.draw.chance(trouble_chance):
            listings.append(self.draw.days_after(self.trouble_start, 30, 700))
        for listed in listings:
            removal_chance = 0.8 if self.tier in {Tier.CLEAN, Tier.WATCH} else 0.25
            changes = []
            if self.draw.chance(removal_chance):
                removed = self.draw.days_after(listed, 30, 240)
                changes.append(
                    (
                        removed,
                        {"removed_on": removed, "removal_reason": "补报未报年份的年度报告并公示"},
                    )
                )
            self.add(
                "operations.abnormal_operations",
                AbnormalOperation,
                listed,
                {
                    "listed_on": listed,
                    "reason": self.draw.pick(P.ABNORMAL_REASONS),
                    "authority": f"{self.city}市市场监督管理局",
                    "removed_on": None,
                    "removal_reason": None,
                },
                *changes,
            )

    def _penalty(self, when: date) -> None:
        authority, short, violation, content, low, high = self.draw.pick(P.PENALTY_KINDS)
        number = f"{self.city}{short}罚〔{when.year}〕{self.draw.integer(1, 9999)}号"
        self.add(
            "operations.penalties",
            Penalty,
            when,
            {
                "decision_number": number,
                "authority": f"{self.city}市{authority}",
                "decided_on": when,
                "violation": violation,
                "content": content,
                "amount_cny": round(self.draw.between(low, high), -2),
            },
        )

    def _pledge(self, when: date) -> None:
        pledgor = self._legal_rep_on(when)
        released = self.draw.days_after(when, 300, 1100)
        self.add(
            "operations.equity_pledges",
            EquityPledge,
            when,
            {
                "registration_number": f"{self.province.code}{when.year}{self.draw.digits(7)}",
                "pledgor": pledgor,
                "pledgee": self.bank(),
                "amount_cny": round(self.capital * self.draw.between(0.1, 0.6), -4),
                "registered_on": when,
                "status": "valid",
            },
            (released, {"status": "invalid"}),
        )

    def _mortgage(self, when: date) -> None:
        term_to = self.draw.days_after(when, 365, 1100)
        self.add(
            "operations.chattel_mortgages",
            ChattelMortgage,
            when,
            {
                "registration_number": f"{self.province.abbreviation}{self.draw.digits(4)}"
                f"{when.year}{self.draw.digits(6)}",
                "mortgagee": self.bank(),
                "secured_amount_cny": self.amount(5_000_000, 0.8, 100_000),
                "registered_on": when,
                "term_to": term_to,
                "status": "valid",
            },
            (term_to, {"status": "invalid"}),
        )

    def _tax_records(self) -> None:
        authority = f"国家税务总局{self.city}市税务局"
        chances = {
            Tier.CLEAN: (0.0, 0.0, 0.0),
            Tier.WATCH: (0.05, 0.0, 0.02),
            Tier.BAD: (0.25, 0.02, 0.05),
            Tier.SEVERE: (0.5, 0.1, 0.25),
        }
        arrears, violation, abnormal = chances[self.tier]
        if self.trouble_start is None:
            return
        if self.draw.chance(arrears):
            for when in self.trouble_dates(0.8, delay_days=90)[:2]:
                self.add(
                    "tax.arrears",
                    TaxArrears,
                    when,
                    {
                        "tax_type": self.draw.pick(P.TAX_TYPES),
                        "amount_cny": self.amount(120_000, 1.0),
                        "published_on": when,
                        "authority": authority,
                    },
                )
        if self.draw.chance(violation):
            when = self.draw.days_after(self.trouble_start, 200, 1200)
            self.add(
                "tax.violations",
                TaxViolation,
                when,
                {
                    "published_on": when,
                    "nature": self.draw.pick(P.TAX_VIOLATIONS),
                    "description": "经检查发现存在违法事实，已依法处理",
                    "authority": f"{authority}稽查局",
                },
            )
        if self.draw.chance(abnormal):
            when = self.draw.days_after(self.trouble_start, 150, 900)
            self.add(
                "tax.abnormal_taxpayer",
                AbnormalTaxpayer,
                when,
                {
                    "listed_on": when,
                    "authority": authority,
                    "removed_on": None,
                },
            )

    # -- IP, news, sanctions -----------------------------------------------------------

    def _intellectual_property(self) -> None:
        tech = P.HIGH_TECH in self.industry.licences
        per_year = (0.5 if tech else 0.15 if self.industry.manufacturing else 0.01) * max(
            0.3, self.base_revenue / 60_000_000
        ) ** 0.5
        for applied in self.dates(per_year, self.established_on)[:40]:
            kind, digit, delay = self.draw.weighted(
                (
                    (("invention", 1, 540), 0.25),
                    (("utility_model", 2, 240), 0.6),
                    (("design", 3, 200), 0.15),
                )
            )
            published = applied + timedelta(days=delay + self.draw.integer(0, 120))
            number = f"CN{applied.year}{digit}{self.draw.digits(7)}.{self.draw.integer(0, 9)}"
            self.add(
                "ip.patents",
                Patent,
                published,
                {
                    "application_number": number,
                    "title": f"一种{self.draw.pick(self.industry.words)}用"
                    f"{self.draw.pick(('装置', '方法', '系统', '结构', '组件'))}",
                    "kind": kind,
                    "applied_on": applied,
                    "granted_on": published,
                },
            )
        for applied in self.dates(0.08, self.established_on)[:10]:
            registered = self.draw.days_after(applied, 270, 420)
            self.add(
                "ip.trademarks",
                Trademark,
                applied + timedelta(days=30),
                {
                    "registration_number": self.draw.digits(8),
                    "name": self.short_name[:2],
                    "nice_class": self.draw.integer(1, 45),
                    "status": "pending",
                    "applied_on": applied,
                },
                (registered, {"status": "registered"}),
            )

    def _news(self) -> None:
        start = max(self.established_on, date(2016, 1, 1))
        clean_mix = (("positive", 0.35), ("neutral", 0.55), ("negative", 0.1))
        for when in self.dates(0.25, start):
            self._random_article(when, self.draw.weighted(clean_mix))
        negative_rate = {Tier.CLEAN: 0.0, Tier.WATCH: 0.6, Tier.BAD: 1.5, Tier.SEVERE: 3.0}[
            self.tier
        ]
        for when in self.trouble_dates(negative_rate):
            self._random_article(when, "negative")

    def _random_article(self, when: date, sentiment: str) -> None:
        templates = {
            "positive": P.POSITIVE_NEWS,
            "neutral": P.NEUTRAL_NEWS,
            "negative": P.NEGATIVE_NEWS,
        }[sentiment]
        title, tags = self.draw.pick(templates)
        self._article(when, title.format(short=self.short_name), sentiment, tags)

    def _article(self, when: date, title: str, sentiment: str, tags: tuple[str, ...]) -> None:
        if when > HORIZON:
            return
        slug = self.draw.digits(8)
        self.add(
            "news",
            NewsArticle,
            when,
            {
                "title": title,
                "source": self.draw.pick(P.NEWS_SOURCES),
                "published_on": when,
                "url": f"https://news.example.com/{when:%Y%m%d}/{slug}.html",
                "sentiment": sentiment,
                "tags": list(tags),
            },
        )

    def _sanctions(self) -> None:
        exposed = self.enterprise_type in {
            EnterpriseType.FOREIGN,
            EnterpriseType.JOINT_VENTURE,
        } or self.industry.code in {"C39", "C26", "I65"}
        probability = 0.02 if self.tier is Tier.SEVERE else 0.004 if exposed else 0.001
        if not self.draw.chance(probability):
            return
        listed = self.draw.day(date(2018, 1, 1), HORIZON)
        datasets, topics = self.draw.pick(P.SANCTIONS_LISTS)
        self.add(
            "sanctions",
            SanctionsHit,
            listed,
            {
                "entity_id": f"NK-sbx{self.draw.digits(10)}",
                "caption": self.name,
                "entity_schema": "Company",
                "query": self.name,
                "matched_name": self.name,
                "matched_via": "name",
                "score": round(self.draw.between(0.9, 1.0), 4),
                "datasets": list(datasets),
                "topics": list(topics),
            },
        )
