"""Synthetic but realistic demo data: customers with three years of trading history.

Generated column-wise with numpy and written with bulk SQL (COPY on PostgreSQL), so a
million customers take minutes. Payment behaviour differs by segment: prompt payers, slow
payers, chronic late payers and a few defaults, which is what the risk features must tell apart.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

logger = logging.getLogger("riskdesk.demo")

CITIES = {
    "北京市": ["北京"],
    "上海市": ["上海"],
    "天津市": ["天津"],
    "重庆市": ["重庆"],
    "广东省": ["广州", "深圳", "东莞", "佛山", "珠海"],
    "江苏省": ["南京", "苏州", "无锡", "常州"],
    "浙江省": ["杭州", "宁波", "温州", "绍兴"],
    "山东省": ["济南", "青岛", "烟台", "潍坊"],
    "福建省": ["福州", "厦门", "泉州"],
    "四川省": ["成都", "绵阳"],
    "湖北省": ["武汉", "宜昌"],
    "湖南省": ["长沙", "株洲"],
    "河南省": ["郑州", "洛阳"],
    "河北省": ["石家庄", "唐山"],
    "安徽省": ["合肥", "芜湖"],
    "陕西省": ["西安", "宝鸡"],
    "辽宁省": ["沈阳", "大连"],
    "江西省": ["南昌", "赣州"],
    "云南省": ["昆明"],
    "广西壮族自治区": ["南宁", "柳州"],
}
BRAND_SYLLABLES = list(
    "华盛鑫达通宏远泰恒瑞丰源信诚安隆兴昌盈嘉德明新康利永汇金博润宇晨星海天正中联创科"
    "鼎辉佳和祥富锦程凯旭腾东方美力道九思捷骏卓越宏图益众广晟奥精卫蓝"
)
INDUSTRY_WORDS = {
    "制造业": ["机械制造", "电子", "精密器件", "新材料", "化工", "汽车零部件", "塑胶制品", "纺织"],
    "批发和零售业": ["贸易", "商贸", "供应链", "电器销售", "医药销售", "建材贸易"],
    "建筑业": ["建设工程", "建筑安装", "市政工程", "装饰工程"],
    "信息传输、软件和信息技术服务业": ["信息技术", "软件", "网络科技", "数据科技"],
    "交通运输、仓储和邮政业": ["物流", "运输", "仓储服务"],
    "房地产业": ["置业", "房地产开发", "物业管理"],
    "科学研究和技术服务业": ["检测技术", "生物科技", "工程技术"],
    "电力、热力、燃气及水生产和供应业": ["能源", "燃气", "电力工程"],
    "农、林、牧、渔业": ["农业发展", "生态农业", "水产"],
    "租赁和商务服务业": ["商务咨询", "设备租赁", "企业管理"],
}
INDUSTRY_WEIGHTS = {
    "制造业": 0.36,
    "批发和零售业": 0.24,
    "建筑业": 0.10,
    "信息传输、软件和信息技术服务业": 0.07,
    "交通运输、仓储和邮政业": 0.06,
    "房地产业": 0.04,
    "科学研究和技术服务业": 0.04,
    "电力、热力、燃气及水生产和供应业": 0.03,
    "农、林、牧、渔业": 0.03,
    "租赁和商务服务业": 0.03,
}
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
TAGS = ["重点客户", "战略客户", "新客户", "国企背景", "出口业务", "经销商"]
USCC_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
REGION_CODES = np.array(
    [
        110105,
        110108,
        310115,
        310104,
        440305,
        440106,
        330106,
        320505,
        370202,
        350203,
        510107,
        420106,
        430104,
        410105,
        130102,
        340104,
    ]
)

# Payment behaviour segments: (share, lateness mean days, lateness spread, share left unpaid)
SEGMENTS = {
    "prompt": (0.58, -3.0, 4.0, 0.0),
    "slow": (0.24, 14.0, 10.0, 0.01),
    "chronic": (0.12, 55.0, 30.0, 0.06),
    "default": (0.06, 90.0, 40.0, 0.65),
}
HISTORY_DAYS = 3 * 365


@dataclass
class DemoSummary:
    customers: int
    orders: int
    invoices: int
    payments: int


def _usccs(rng: np.random.Generator, n: int, codes: set[str]) -> np.ndarray:
    """``n`` valid USCCs not in ``codes`` (which grows), both check characters column-wise."""
    result: list[str] = []
    while len(result) < n:
        need = n - len(result)
        org = rng.integers(0, 10, size=(need, 8))
        org_check = 11 - (org * ORG_WEIGHTS).sum(axis=1) % 11
        org_char = np.where(
            org_check == 10, 29, np.where(org_check == 11, 0, org_check)
        )  # X is 29 in the USCC alphabet
        region = rng.choice(REGION_CODES, size=need)
        region_digits = (region[:, None] // 10 ** np.arange(5, -1, -1)) % 10
        values = np.column_stack([np.full(need, 9), np.full(need, 1), region_digits, org, org_char])
        check = (31 - (values * USCC_WEIGHTS).sum(axis=1) % 31) % 31
        chars = USCC_ALPHABET[np.column_stack([values, check])]
        for code in ("".join(row) for row in chars):
            if code not in codes:
                codes.add(code)
                result.append(code)
    return np.array(result)


def _names(
    rng: np.random.Generator, cities: np.ndarray, industries: np.ndarray, seen: set[str]
) -> list[str]:
    names = []
    syllables = np.array(BRAND_SYLLABLES)
    first = rng.choice(syllables, size=len(cities))
    second = rng.choice(syllables, size=len(cities))
    suffix = rng.choice(SUFFIXES, size=len(cities))
    word_pick = rng.random(len(cities))
    for i, city in enumerate(cities):
        words = INDUSTRY_WORDS[industries[i]]
        name = f"{city}{first[i]}{second[i]}{words[int(word_pick[i] * len(words))]}{suffix[i]}"
        serial = 2
        while name in seen:  # keep names unique even at a million customers
            name = f"{city}{first[i]}{second[i]}{serial}号{words[0]}{suffix[i]}"
            serial += 1
        seen.add(name)
        names.append(name)
    return names


def _copy_or_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert: COPY on PostgreSQL, the driver's own executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        return
    connection.ensure_connection()
    marks = ", ".join(["?"] * len(columns))
    # Django's cursor wrapper re-formats every parameter row; the raw driver does not.
    connection.connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(cursor.fetchone()[0]) + 1


def _reset_sequences(models: list) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _iso(days: np.ndarray, today: dt.date) -> np.ndarray:
    base = np.datetime64(today.isoformat(), "D")
    return np.datetime_as_string(base + days.astype("timedelta64[D]"), unit="D")


def _money(values: np.ndarray) -> list[str]:
    return [f"{v:.2f}" for v in values]


@dataclass
class _Chunk:
    customer_ids: np.ndarray
    segment: np.ndarray
    rows: dict[str, list[tuple]]


def _customer_rows(rng, ids, owners, now_db, seen: dict[str, set[str]]) -> list[tuple]:
    n = len(ids)
    industries = np.array(list(INDUSTRY_WEIGHTS))
    weights = np.array(list(INDUSTRY_WEIGHTS.values()))
    industry = rng.choice(industries, size=n, p=weights / weights.sum())
    provinces = np.array(list(CITIES))
    province = rng.choice(provinces, size=n)
    city = np.array(
        [CITIES[p][int(r * len(CITIES[p]))] for p, r in zip(province, rng.random(n), strict=True)]
    )
    names = _names(rng, city, industry, seen["names"])
    usccs = _usccs(rng, n, seen["usccs"])
    owner_pick = rng.integers(0, len(owners), size=n)
    status = rng.choice(["active", "suspended", "closed"], size=n, p=[0.94, 0.03, 0.03])
    rows = [
        (
            int(ids[i]),
            names[i],
            usccs[i],
            owners[owner_pick[i]][0],
            owners[owner_pick[i]][1],
            industry[i],
            province[i],
            city[i],
            status[i],
            f"C{int(ids[i]):08d}",
            now_db,
            now_db,
        )
        for i in range(n)
    ]
    return rows


def _trading(
    rng: np.random.Generator, ids: np.ndarray, orders_per_year: float
) -> dict[str, np.ndarray]:
    """Order-level arrays for a chunk of customers (days are offsets from today, ≤ 0)."""
    n = len(ids)
    names = list(SEGMENTS)
    shares = np.array([SEGMENTS[s][0] for s in names])
    segment = rng.choice(len(names), size=n, p=shares / shares.sum())
    new_customer = rng.random(n) < 0.15
    start = np.where(new_customer, -rng.integers(30, 365, n), -HISTORY_DAYS)
    default_day = np.where(segment == names.index("default"), -rng.integers(60, 270, n), 1)
    end = np.minimum(0, default_day + 60)
    rate = np.exp(rng.normal(np.log(orders_per_year / 365), 0.7, n))
    count = rng.poisson(rate * np.maximum(end - start, 1))
    owner = np.repeat(np.arange(n), count)
    day = (start[owner] + rng.random(len(owner)) * (end[owner] - start[owner])).astype(np.int64)
    size = np.exp(rng.normal(np.log(60_000), 1.0, n))
    amount = np.round(size[owner] * np.exp(rng.normal(0, 0.5, len(owner))), 2)
    return {
        "idx": owner,
        "day": day,
        "amount": amount,
        "segment": segment,
        "default_day": default_day,
        "terms": rng.choice([30, 45, 60, 90], n),
    }


def _payment_days(rng, t: dict, issue: np.ndarray, due: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """When each invoice gets paid (offset days), or a large sentinel when it never is."""
    names = list(SEGMENTS)
    seg = t["segment"][idx]
    mean = np.array([SEGMENTS[s][1] for s in names])[seg]
    spread = np.array([SEGMENTS[s][2] for s in names])[seg]
    unpaid_share = np.array([SEGMENTS[s][3] for s in names])[seg]
    lateness = np.maximum(rng.normal(mean, spread), -(due - issue))
    paid = (due + lateness).astype(np.int64)
    never = rng.random(len(idx)) < np.where(issue > t["default_day"][idx], 0.97, unpaid_share * 0.3)
    return np.where(never, 10**6, paid)


def _document_rows(
    rng, t: dict, ids: np.ndarray, counters: dict, today: dt.date
) -> dict[str, list]:
    idx, day, amount = t["idx"], t["day"], t["amount"]
    k = len(idx)
    order_ids = np.arange(counters["order"], counters["order"] + k)
    cancelled = rng.random(k) < 0.02
    open_order = (~cancelled) & (day > -20)
    order_status = np.where(cancelled, "cancelled", np.where(open_order, "open", "fulfilled"))
    order_dates = _iso(day, today)
    orders = [
        (
            int(order_ids[i]),
            int(ids[idx[i]]),
            f"SO{order_ids[i]:010d}",
            order_dates[i],
            f"{amount[i]:.2f}",
            "CNY",
            order_status[i],
        )
        for i in range(k)
    ]
    billed = np.flatnonzero(order_status == "fulfilled")
    issue = np.minimum(day[billed] + rng.integers(0, 6, len(billed)), 0)
    due = issue + t["terms"][idx[billed]]
    paid_day = _payment_days(rng, t, issue, due, idx[billed])
    fully_paid = paid_day <= 0
    partial = (~fully_paid) & (due < 0) & (rng.random(len(billed)) < 0.25)
    paid_amount = np.where(
        fully_paid,
        amount[billed],
        np.where(partial, np.round(amount[billed] * rng.uniform(0.2, 0.7, len(billed)), 2), 0.0),
    )
    status = np.where(fully_paid, "paid", np.where(partial, "partial", "open"))
    invoice_ids = np.arange(counters["invoice"], counters["invoice"] + len(billed))
    issue_s, due_s = _iso(issue, today), _iso(due, today)
    paid_s = _iso(np.minimum(paid_day, 0), today)
    invoices = [
        (
            int(invoice_ids[j]),
            int(ids[idx[b]]),
            f"INV{invoice_ids[j]:010d}",
            issue_s[j],
            due_s[j],
            f"{amount[b]:.2f}",
            f"{paid_amount[j]:.2f}",
            paid_s[j] if fully_paid[j] else None,
            "CNY",
            status[j],
        )
        for j, b in enumerate(billed)
    ]
    paying = np.flatnonzero(paid_amount > 0)
    pay_day = np.where(
        fully_paid[paying], paid_day[paying], np.maximum(issue[paying], due[paying] - 10)
    )
    pay_day = np.minimum(pay_day, 0)
    pay_s = _iso(pay_day, today)
    payment_ids = np.arange(counters["payment"], counters["payment"] + len(paying))
    payments = [
        (
            int(payment_ids[m]),
            int(ids[idx[billed[j]]]),
            f"RC{payment_ids[m]:010d}",
            pay_s[m],
            f"{paid_amount[j]:.2f}",
            "CNY",
        )
        for m, j in enumerate(paying)
    ]
    allocations = [
        (int(payment_ids[m]), int(invoice_ids[j]), f"{paid_amount[j]:.2f}")
        for m, j in enumerate(paying)
    ]
    counters["order"] += k
    counters["invoice"] += len(billed)
    counters["payment"] += len(paying)
    return {
        "orders": orders,
        "invoices": invoices,
        "payments": payments,
        "allocations": allocations,
    }


def _tag_rows(rng, ids: np.ndarray, tag_ids: list[int]) -> list[tuple]:
    rows = []
    has_tags = rng.random(len(ids)) < 0.3
    picks = rng.integers(0, len(tag_ids), size=(len(ids), 2))
    for i in np.flatnonzero(has_tags):
        for tag in {tag_ids[picks[i, 0]], tag_ids[picks[i, 1]]}:
            rows.append((int(ids[i]), tag))
    return rows


def generate_demo_data(
    *,
    customers: int,
    owners: list[tuple[int, int | None]],
    seed: int = 20261128,
    today: dt.date | None = None,
    orders_per_year: float = 6.0,
    chunk_size: int = 20_000,
    progress=None,
) -> DemoSummary:
    """Insert ``customers`` synthetic customers and their trading history; returns counts."""
    from django.utils import timezone

    from riskdesk.customers.models import Customer, Invoice, Order, Payment, PaymentAllocation, Tag

    today = today or timezone.localdate()
    rng = np.random.default_rng(seed)
    now_db = connection.ops.adapt_datetimefield_value(timezone.now())
    tag_ids = [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]
    counters = {
        "customer": _next_id("customers_customer"),
        "order": _next_id("customers_order"),
        "invoice": _next_id("customers_invoice"),
        "payment": _next_id("customers_payment"),
    }
    totals = DemoSummary(0, 0, 0, 0)
    seen = {
        "usccs": set(Customer.objects.values_list("uscc", flat=True)),
        "names": set(Customer.objects.values_list("name", flat=True)),
    }
    for offset in range(0, customers, chunk_size):
        n = min(chunk_size, customers - offset)
        ids = np.arange(counters["customer"], counters["customer"] + n)
        counters["customer"] += n
        run = _Run(rng, owners, now_db, tag_ids, counters, today, orders_per_year, totals, seen)
        with transaction.atomic():
            _write_chunk(run, ids)
        if progress:
            progress(offset + n, customers)
    _reset_sequences([Customer, Order, Invoice, Payment, PaymentAllocation])
    _refresh_planner_statistics()
    return totals


def _refresh_planner_statistics() -> None:
    """After a bulk load the query planners' statistics are stale; both databases have ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@dataclass
class _Run:
    """Everything one generation run shares between its chunks."""

    rng: np.random.Generator
    owners: list[tuple[int, int | None]]
    now_db: object
    tag_ids: list[int]
    counters: dict[str, int]
    today: dt.date
    orders_per_year: float
    totals: DemoSummary
    seen: dict[str, set[str]]


def _write_chunk(run: _Run, ids: np.ndarray) -> None:
    rng, now_db, counters, totals = run.rng, run.now_db, run.counters, run.totals
    customer_rows = _customer_rows(rng, ids, run.owners, now_db, run.seen)
    _copy_or_insert(
        "customers_customer",
        [
            "id",
            "name",
            "uscc",
            "owner_id",
            "team_id",
            "industry",
            "province",
            "city",
            "status",
            "external_id",
            "created_at",
            "updated_at",
        ],
        customer_rows,
    )
    _copy_or_insert(
        "customers_customer_tags", ["customer_id", "tag_id"], _tag_rows(rng, ids, run.tag_ids)
    )
    docs = _document_rows(rng, _trading(rng, ids, run.orders_per_year), ids, counters, run.today)
    stamp = [now_db, now_db]
    _copy_or_insert(
        "customers_order",
        [
            "id",
            "customer_id",
            "number",
            "order_date",
            "amount",
            "currency",
            "status",
            "created_at",
            "updated_at",
        ],
        [(*row, *stamp) for row in docs["orders"]],
    )
    _copy_or_insert(
        "customers_invoice",
        [
            "id",
            "customer_id",
            "number",
            "issue_date",
            "due_date",
            "amount",
            "paid_amount",
            "paid_date",
            "currency",
            "status",
            "created_at",
            "updated_at",
        ],
        [(*row, *stamp) for row in docs["invoices"]],
    )
    _copy_or_insert(
        "customers_payment",
        [
            "id",
            "customer_id",
            "number",
            "payment_date",
            "amount",
            "currency",
            "created_at",
            "updated_at",
        ],
        [(*row, *stamp) for row in docs["payments"]],
    )
    _copy_or_insert(
        "customers_paymentallocation", ["payment_id", "invoice_id", "amount"], docs["allocations"]
    )
    totals.customers += len(ids)
    totals.orders += len(docs["orders"])
    totals.invoices += len(docs["invoices"])
    totals.payments += len(docs["payments"])
