"""The search benchmark's parts (``manage.py bench_search``): a synthetic but realistic
catalogue, a throwaway database and search connections to hold it, the query mix, the
Whoosh + jieba peer, and timing helpers.

The catalogue imitates a national standards library: numbers of every level in their
proper form (``GB/T 20004.1-2016``, ``YY/T 0287-2017``, ``DB13/T 5651.5-2023``,
``T/CAMDI 001-2020``, ``ISO 13485:2016`` …) with parts and edition chains linked by
supersession, Chinese titles composed from the words of real titles (the shared data
files when present, a built-in list otherwise) with Zipf-like frequencies, statuses,
dates, departments, scopes and ICS classes. Everything is drawn from seeded generators,
so a seed always gives the same catalogue and the same queries.
"""

import bisect
import contextlib
import copy
import datetime
import json
import math
import random
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.test.utils import override_settings

from haystack.exceptions import MissingDependency

from standards import numbers
from standards.models import IcsClass, Standard, Supersession
from standards.models.catalogue import number_fields

try:  # The Whoosh peer is optional: without Whoosh it is reported as skipped.
    from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
except (ImportError, MissingDependency):  # pragma: no cover - depends on the environment
    WhooshEngine = WhooshSearchBackend = None

WHOOSH_AVAILABLE = WhooshSearchBackend is not None
#: Django and haystack alias of the throwaway catalogue, haystack alias of the peer.
ALIAS = "bench"
WHOOSH_ALIAS = "whoosh"

# -- vocabulary -------------------------------------------------------------------------

_PART = re.compile(r"第\s*[0-9一二三四五六七八九十]+\s*部分\s*[:：]?\s*")
_PHRASE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()、，,·\-]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
#: Words that name an aspect, not a thing: never the product noun of a made-up title.
_ASPECT_WORDS = frozenset(
    "规范 要求 方法 指南 评价 条件 技术规范 技术要求 标准 试验 规程 总则 通用 术语 测定 "
    "检测 检验 管理 服务 规则 分级 等级 定义 使用 基本 部分 系统 技术 科学 产品 设备".split()
)

#: Used when the shared data files are not beside the project.
BUILTIN_HEADS = (
    "医疗器械 医用电气设备 一次性使用无菌注射器 一次性使用输液器 医用防护口罩 外科植入物 "
    "牙科学 眼科光学 体外诊断试剂 医用超声设备 人造草坪 合成材料面层 塑胶跑道 运动场地 "
    "健身器材 体育场馆照明 游泳场地 滑雪场地 中小学体育器材 食品添加剂 食品安全国家标准 "
    "乳制品 婴幼儿配方食品 电动自行车 锂离子电池 家用电器 建筑外窗 混凝土外加剂 "
    "钢筋混凝土用钢 建筑给水排水 电力变压器 电线电缆 光伏组件 充电桩 安全帽 防护服 "
    "消防车 电梯 压力容器 起重机械 信息安全技术 数据中心 智慧城市 农药残留 茶叶 饲料 "
    "水质 土壤环境质量 环境空气 纺织品 服装 皮革 塑料管材 涂料 胶粘剂 化学试剂 "
    "工业自动化系统 数控机床 滚动轴承 齿轮 汽车 轮胎 船舶 航空器 铁路车辆 公路桥梁"
).split()
BUILTIN_TAILS = (
    "通用技术要求 技术要求 试验方法 安全要求 术语和定义 检验规则 质量分级 技术规范 "
    "设计规范 施工及验收规范 验收要求 测定方法 性能要求 评价方法 管理规范 服务规范 "
    "分类与代码 标志、包装、运输和贮存 使用指南 运行维护规程 能效限定值及能效等级 "
    "有害物质限量 卫生要求 环境要求 电磁兼容 可靠性评价 检测方法 校准规范 基本要求"
).split()
BUILTIN_CATEGORIES = (
    "医疗器械 体育 食品 建筑 电工 信息技术 环境保护 农业 化工 机械 交通运输 纺织 综合"
).split()
ASPECTS = (
    "术语和定义",
    "分类与标记",
    "要求",
    "试验方法",
    "检验规则",
    "标志、包装、运输和贮存",
    "安全要求",
    "性能指标",
    "评价方法",
    "管理要求",
)
USES = (
    "设计、生产和检验",
    "生产、检验和使用",
    "建设、验收和管理",
    "采购、验收和维护",
    "检测和评价",
)
EN_SUBJECTS = (
    "Medical devices",
    "Medical electrical equipment",
    "Sports surfaces",
    "Synthetic turf",
    "Food safety",
    "Information security technology",
    "Electric bicycles",
    "Building windows",
    "Textiles",
    "Rolling bearings",
    "Water quality",
    "Plastics piping systems",
)
EN_ASPECTS = (
    "General requirements",
    "Test methods",
    "Safety requirements",
    "Vocabulary",
    "Specification",
    "Determination of performance",
    "Classification and designation",
    "Guidelines for application",
)
NATIONAL_DEPARTMENTS = (
    "国家市场监督管理总局、国家标准化管理委员会",
    "国家质量监督检验检疫总局、中国国家标准化管理委员会",
    "国家技术监督局",
    "国家卫生健康委员会、国家市场监督管理总局",
    "住房和城乡建设部、国家市场监督管理总局",
)
INDUSTRY_DEPARTMENTS = {
    "YY": "国家药品监督管理局",
    "TY": "国家体育总局",
    "HG": "工业和信息化部",
    "JB": "工业和信息化部",
    "QB": "工业和信息化部",
    "SJ": "工业和信息化部",
    "YD": "工业和信息化部",
    "NY": "农业农村部",
    "SN": "海关总署",
    "JT": "交通运输部",
    "DL": "国家能源局",
    "NB": "国家能源局",
    "WS": "国家卫生健康委员会",
    "GA": "公安部",
    "HJ": "生态环境部",
    "JGJ": "住房和城乡建设部",
    "CJJ": "住房和城乡建设部",
}
#: Industry codes, most used first (an approximate ordering of real catalogues).
INDUSTRY_ORDER = (
    "YY JB HG QB SN NY SH DL JT FZ SJ JC YB TY WS GA LY SL MT QC YD CJ HJ AQ LS SY NB YS CB "
    "JG SC QX HY DZ WH JR BB CY DA EJ GH GY HB HS JY LB LD MH MZ RB SB SF TB TD WB WJ WW XB "
    "YC YZ ZY JGJ CJJ JTG"
).split()
FALLBACK_ICS = (
    "01.040.11 03.120.10 11.040.01 11.040.20 11.040.40 11.060.10 11.100.10 13.020.01 "
    "13.060.10 13.340.10 17.020 19.020 27.160 29.060.20 29.220.20 35.030 43.120 59.080.01 "
    "65.100 67.220.20 67.100.10 71.100.01 83.140.30 91.060.50 91.100.30 97.220.10 97.220.40"
).split()

#: Level of a new series, and its share of the catalogue (about that of a real one).
LEVEL_WEIGHTS = {
    "national": 22,
    "industry": 38,
    "local": 25,
    "group": 13,
    "enterprise": 1,
    "international": 1,
}
#: First year of each level's numbers, and the year most editions cluster around.
LEVEL_YEARS = {
    "national": (1985, 2019),
    "industry": (1988, 2018),
    "local": (2000, 2021),
    "group": (2016, 2023),
    "enterprise": (2005, 2021),
    "international": (1990, 2017),
}


class Zipf:
    """Items ranked most frequent first, drawn with probability ∝ 1 / rank^s."""

    def __init__(self, items, s: float = 1.0):
        self.items = list(items)
        if not self.items:
            raise ValueError("Zipf needs at least one item")
        total, self.cum = 0.0, []
        for rank in range(1, len(self.items) + 1):
            total += 1.0 / rank**s
            self.cum.append(total)

    def __len__(self):
        return len(self.items)

    def pick(self, rng: random.Random):
        i = bisect.bisect_left(self.cum, rng.random() * self.cum[-1])
        return self.items[min(i, len(self.items) - 1)]

    def rare(self, rng: random.Random):
        """One of the less frequent half, uniformly."""
        return self.items[rng.randrange(len(self.items) // 2, len(self.items))]


@dataclass
class Vocabulary:
    heads: Zipf  # what titles start with: products, subjects
    tails: Zipf  # what follows: aspects, part topics
    modifiers: Zipf  # words before a product noun in heads
    nouns: Zipf  # the last word of heads
    words: Zipf  # every title word (2+ Han characters)
    subjects: Zipf  # title words that name things (not 要求, 方法 …), for queries
    generic: Zipf  # the aspect words titles share: 要求, 方法, 规范 …
    categories: Zipf
    group_codes: list  # association codes seen in real numbers (T/…)
    source: str

    def summary(self) -> dict:
        return {
            "source": self.source,
            "heads": len(self.heads),
            "tails": len(self.tails),
            "words": len(self.words),
            "subjects": len(self.subjects),
        }


def _phrases(title: str) -> list[str]:
    title = unicodedata.normalize("NFKC", title or "").strip()
    title = _PART.sub(" ", title)
    out = []
    for phrase in title.split():
        phrase = phrase.strip(":;,.。")
        if (
            2 <= len(phrase) <= 30
            and _PHRASE.fullmatch(phrase)
            and _HAN.search(phrase)
            and not re.search(r"\d{3,}", phrase)
        ):
            out.append(phrase)
    return out


def _ranked(counter: Counter) -> list[str]:
    return [item for item, _count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def build_vocabulary(titles, categories=(), group_codes=(), source="builtin") -> Vocabulary:
    """Vocabulary from real titles: phrases split at spaces and 第N部分, words by jieba."""
    import jieba

    heads, tails, modifiers, nouns, words = Counter(), Counter(), Counter(), Counter(), Counter()
    for title in titles:
        phrases = _phrases(title)
        for i, phrase in enumerate(phrases):
            (heads if i == 0 else tails)[phrase] += 1
            found = [w for w in jieba.lcut(phrase, HMM=False) if _HAN_WORD.fullmatch(w)]
            words.update(found)
            things = [w for w in found if w not in _ASPECT_WORDS]
            if i == 0 and things:
                nouns[things[-1]] += 1
                modifiers.update(things[:-1])
    for word in BUILTIN_TAILS:
        tails.setdefault(word, 1)
    for word in BUILTIN_HEADS[:10]:
        modifiers.setdefault(word, 1)
    ranked_words = _ranked(words)
    subjects = [w for w in ranked_words if w not in _ASPECT_WORDS] or ranked_words
    generic = [w for w in ranked_words if w in _ASPECT_WORDS] or sorted(_ASPECT_WORDS)
    cats = Counter(c for c in categories if c and _HAN.search(c))
    for cat in BUILTIN_CATEGORIES:
        cats.setdefault(cat, 1)
    return Vocabulary(
        heads=Zipf(_ranked(heads), 0.9),
        tails=Zipf(_ranked(tails), 1.0),
        modifiers=Zipf(_ranked(modifiers), 1.0),
        nouns=Zipf(_ranked(nouns), 0.9),
        words=Zipf(ranked_words, 1.0),
        subjects=Zipf(subjects, 1.0),
        generic=Zipf(generic, 1.0),
        categories=Zipf(_ranked(cats), 1.1),
        group_codes=sorted(set(group_codes)),
        source=source,
    )


def load_vocabulary(data_dir: Path | None = None) -> Vocabulary:
    """Words of the real titles in the shared data files (read in place), or the
    built-in list when they are not there."""
    data_dir = Path(data_dir or settings.SHARED_DATA_DIR)
    titles, categories, group_codes, used = [], [], [], []
    nmpa = data_dir / "nmpa-medical-devices" / "standards.json"
    sports = data_dir / "sports-standards" / "standards.json"
    if nmpa.exists():
        for record in json.loads(nmpa.read_text(encoding="utf-8")):
            titles.append(record.get("title_zh") or "")
            # Labels cut at six characters in the source are left out.
            if len(record.get("l2") or "") < 6:
                categories.append(record.get("l2") or "")
        used.append("nmpa-medical-devices")
    if sports.exists():
        data = json.loads(sports.read_text(encoding="utf-8"))
        for record in data.get("standards", data) if isinstance(data, dict) else data:
            titles.append(record.get("title") or "")
            if isinstance(record.get("category"), str):
                categories.append(record["category"])
            code = re.match(r"T\s*/\s*([A-Z]{2,10})\b", record.get("code") or "")
            if code:
                group_codes.append(code.group(1))
        used.append("sports-standards")
    if not titles:
        titles = [f"{h} {t}" for h, t in zip(BUILTIN_HEADS, BUILTIN_TAILS * 3, strict=False)]
        titles += BUILTIN_HEADS
    return build_vocabulary(titles, categories, group_codes, source="+".join(used) or "builtin")


def load_ics_codes(data_dir: Path | None = None) -> list[str]:
    """ICS codes standards are classed under (third-level groups where known)."""
    path = Path(data_dir or settings.SHARED_DATA_DIR) / "ics" / "ics-ed7.jsonl"
    if not path.exists():
        return list(FALLBACK_ICS)
    codes = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                code = json.loads(line).get("code", "")
                if code.count(".") == 2:
                    codes.append(code)
    return codes or list(FALLBACK_ICS)


# -- the catalogue ----------------------------------------------------------------------


class CatalogueGenerator:
    """Series after series of editions, as ``Standard`` field dicts (plus ``ics`` codes
    and the number of the edition each one ``replaces``)."""

    def __init__(self, vocabulary: Vocabulary, ics_codes: list[str], seed: int, today=None):
        self.vocab = vocabulary
        self.rng = random.Random(seed)  # noqa: S311 - reproducible samples, not secrets
        self.today = today or datetime.date.today()
        rng = self.rng
        self.ics = Zipf(rng.sample(ics_codes, len(ics_codes)), 0.8)
        self.levels = list(LEVEL_WEIGHTS)
        self.level_weights = list(LEVEL_WEIGHTS.values())
        self.industry = Zipf(INDUSTRY_ORDER, 1.0)
        provinces = [p for p in numbers.PROVINCE_CODES if p not in ("71", "81", "82")]
        self.provinces = Zipf(rng.sample(provinces, len(provinces)), 0.7)
        letters = "ABCDEFGHJKLMNPQRSTWXYZ"
        synthetic = {
            "C" + "".join(rng.choice(letters) for _ in range(rng.randint(2, 5))) for _ in range(400)
        }
        self.groups = Zipf(
            vocabulary.group_codes + sorted(synthetic - set(vocabulary.group_codes)), 0.8
        )
        self.group_names = {}
        self.enterprises = Zipf(
            sorted({"".join(rng.choice(letters) for _ in range(4)) for _ in range(300)}), 0.6
        )
        self.used: set[tuple[str, str]] = set()
        self.space_count: Counter = Counter()

    # numbers
    def _code(self, level: str) -> tuple[str, str]:
        """``(code as written, key of its serial space)``."""
        r = self.rng.random()
        if level == "national":
            for limit, code in ((0.68, "GB/T"), (0.88, "GB"), (0.92, "GB/Z"), (0.94, "GBZ")):
                if r < limit:
                    return code, code
            return ("JJG", "JJG") if r < 0.97 else ("JJF", "JJF")
        if level == "industry":
            base = self.industry.pick(self.rng)
            if len(base) == 3:
                return (f"{base}/T", base) if r < 0.6 else (base, base)
            if r < 0.85:
                return f"{base}/T", base
            return (base, base) if r < 0.97 else (f"{base}/Z", base)
        if level == "local":
            region = self.provinces.pick(self.rng)
            if self.rng.random() < 0.06:
                region += f"{self.rng.randint(1, 20):02d}"
            return (f"DB{region}/T", f"DB{region}") if r < 0.92 else (f"DB{region}/", f"DB{region}")
        if level == "group":
            code = f"T/{self.groups.pick(self.rng)}"
            return code, code
        if level == "enterprise":
            code = f"Q/{self.enterprises.pick(self.rng)}"
            return code, code
        return ("ISO", "ISO") if r < 0.75 else ("IEC", "IEC")

    def _serial_range(self, code: str, space: str) -> tuple[int, int, int]:
        """``(lowest, highest, zero-padded width)`` of new serials in a code's space."""
        if space in ("GB/T", "GB/Z", "GB"):
            return 1, 45000, 0
        if space == "GBZ":
            return 1, 300, 0
        if space in ("JJG", "JJF"):
            return 1, 2000, 0
        if space in ("YY", "SN"):
            return 1, 1999 if space == "YY" else 5999, 4
        if space == "ISO":
            return 1, 25000, 0
        if space == "IEC":
            return 60000, 63000, 0
        if code.startswith(("T/", "Q/")):
            return 1, 300, 3
        return 1, 5000 if space.startswith("DB") else 6000, 0

    def _serial(self, code: str, space: str) -> str:
        """A serial not yet used in the space; the range widens as the space fills up,
        as real ones do (at most five digits)."""
        low, high, width = self._serial_range(code, space)
        high = min(max(high, low + int(self.space_count[space] * 1.6) + 10), 99999)
        for _attempt in range(1000):
            serial = f"{self.rng.randint(low, high):0{width}d}"
            if (space, serial) not in self.used:
                break
        self.used.add((space, serial))
        self.space_count[space] += 1
        return serial

    @staticmethod
    def _number(code: str, serial: str, year: int, level: str) -> str:
        separator = ":" if level == "international" else "-"
        return f"{code} {serial}{separator}{year}"

    # words
    def _head(self) -> str:
        rng, vocab = self.rng, self.vocab
        if rng.random() < 0.6:
            return vocab.heads.pick(rng)
        modifiers = "".join(vocab.modifiers.pick(rng) for _ in range(rng.choice((0, 1, 1, 2))))
        return modifiers + vocab.nouns.pick(rng)

    def _scope(self, head: str) -> str:
        rng = self.rng
        aspects = "、".join(rng.sample(ASPECTS, rng.randint(2, 4)))
        return f"本文件规定了{head}的{aspects}。本文件适用于{head}的{rng.choice(USES)}。"

    def _department(self, level: str, code: str, space: str) -> str:
        rng = self.rng
        if level == "national":
            return NATIONAL_DEPARTMENTS[min(int(rng.expovariate(1.2)), 4)]
        if level == "industry":
            return INDUSTRY_DEPARTMENTS.get(
                space, f"全国{numbers.INDUSTRY_CODES[space]}标准化技术委员会"
            )
        if level == "local":
            return f"{numbers.PROVINCE_CODES[space[2:4]]}市场监督管理局"
        if level == "group":
            if code not in self.group_names:
                self.group_names[code] = f"中国{self.vocab.nouns.pick(rng)}协会"
            return self.group_names[code]
        if level == "enterprise":
            return f"{self.vocab.nouns.pick(rng)}科技有限公司"
        return code

    def _dates(self, year: int):
        rng = self.rng
        published = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        if published >= self.today:
            published = self.today - datetime.timedelta(days=rng.randint(1, 60))
        delay = rng.choice((0, 90, 180, 182, 183, 270, 365, rng.randint(30, 400)))
        return published, published + datetime.timedelta(days=delay)

    # series
    def family(self) -> list[dict]:
        """One series (or a multi-part series): every edition, oldest first per part."""
        rng = self.rng
        level = rng.choices(self.levels, self.level_weights)[0]
        code, space = self._code(level)
        root = self._serial(code, space)
        parts = 1 if rng.random() < 0.82 else rng.randint(2, 8)
        head = self._head()
        first, mode = LEVEL_YEARS[level]
        ics = [self.ics.pick(rng) for _ in range(1 if rng.random() < 0.8 else 2)]
        department = self._department(level, code, space)
        category = self.vocab.categories.pick(rng)
        has_en = level in ("national", "international") and rng.random() < 0.3
        editions = []
        for part in range(1, parts + 1):
            if parts == 1:
                serial = root
                shape = rng.random()
                if shape < 0.4:
                    title = head
                elif shape < 0.85:
                    title = f"{head} {self.vocab.tails.pick(rng)}"
                else:
                    title = f"{head}{self.vocab.tails.pick(rng)}"
            else:
                serial = f"{root}-{part}" if level == "international" else f"{root}.{part}"
                title = f"{head} 第{part}部分：{self.vocab.tails.pick(rng)}"
            title_en = f"{rng.choice(EN_SUBJECTS)} — {rng.choice(EN_ASPECTS)}" if has_en else ""
            year = int(rng.triangular(first, self.today.year, mode))
            chain = []
            for _edition in range(1 + min(int(rng.expovariate(1.1)), 4)):
                if year > self.today.year:
                    break
                raw = self._number(code, serial, year, level)
                fields = number_fields(raw)
                published, effective = self._dates(year)
                chain.append(
                    {
                        **fields,
                        "title": title,
                        "title_en": title_en,
                        "published": published,
                        "effective": effective,
                        "withdrawn": None,
                        "status": "current",
                        "department": department,
                        "scope": self._scope(head) if rng.random() < 0.35 else "",
                        "category": category,
                        "ccs": f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.randint(0, 99):02d}",
                        "source": "bench",
                        "ics": ics,
                        "replaces": chain[-1]["number"] if chain else None,
                        "partial": rng.random() < 0.03,
                    }
                )
                year += rng.randint(3, 10)
                if rng.random() < 0.12:  # a revised edition sometimes gets a new title
                    tail = self.vocab.tails.pick(rng)
                    title = f"{head} 第{part}部分：{tail}" if parts > 1 else f"{head} {tail}"
            for old, new in zip(chain, chain[1:], strict=False):
                if new["effective"] <= self.today:
                    old["status"] = "superseded"
                    if rng.random() < 0.8:
                        old["withdrawn"] = new["effective"]
            last = chain[-1]
            if last["effective"] > self.today:
                last["status"] = "upcoming"
            elif rng.random() < 0.07:
                last["status"] = "withdrawn"
                end = last["effective"] + datetime.timedelta(days=rng.randint(700, 5000))
                last["withdrawn"] = min(end, self.today)
            editions += chain
        return editions

    def records(self, n: int):
        """Exactly ``n`` editions, in lists that never split a series."""
        made = 0
        while made < n:
            family = self.family()[: n - made]
            made += len(family)
            yield family


def insert_catalogue(
    generator: CatalogueGenerator, n: int, alias: str, chunk: int = 5000, progress=None
):
    """Write ``n`` standards with their ICS classes and supersession links through
    ``bulk_create``; returns what was written (numbers kept for the query mix).
    ``progress(done)`` is called after each chunk."""
    with transaction.atomic(using=alias):
        created = IcsClass.objects.using(alias).bulk_create(
            [IcsClass(code=code) for code in sorted(set(generator.ics.items))]
        )
    ics_ids = {obj.code: obj.pk for obj in created}
    stats = {
        "standards": 0,
        "series": 0,
        "supersessions": 0,
        "with_scope": 0,
        "with_title_en": 0,
        "levels": Counter(),
        "statuses": Counter(),
    }
    all_numbers: list[str] = []
    titles: list[str] = []
    families = generator.records(n)
    through = Standard.ics.through
    pending: list[dict] = []

    def flush(rows):
        objects = [
            Standard(**{k: v for k, v in row.items() if k not in ("ics", "replaces", "partial")})
            for row in rows
        ]
        with transaction.atomic(using=alias):
            Standard.objects.using(alias).bulk_create(objects, batch_size=2000)
            pks = {obj.number: obj.pk for obj in objects}
            through.objects.using(alias).bulk_create(
                [
                    through(standard_id=pks[row["number"]], icsclass_id=ics_ids[code])
                    for row in rows
                    for code in dict.fromkeys(row["ics"])
                ],
                batch_size=5000,
            )
            links = [
                Supersession(
                    old_id=pks[row["replaces"]],
                    new_id=pks[row["number"]],
                    partial=row["partial"],
                    source="bench",
                )
                for row in rows
                if row["replaces"] in pks
            ]
            Supersession.objects.using(alias).bulk_create(links, batch_size=5000)
        stats["supersessions"] += len(links)

    for family in families:
        for row in family:
            stats["standards"] += 1
            stats["series"] += row["replaces"] is None
            stats["with_scope"] += bool(row["scope"])
            stats["with_title_en"] += bool(row["title_en"])
            stats["levels"][row["level"]] += 1
            stats["statuses"][row["status"]] += 1
            all_numbers.append(row["number"])
            if len(titles) < 20_000:
                titles.append(row["title"])
        pending += family
        if len(pending) >= chunk:
            flush(pending)
            pending = []
            if progress:
                progress(stats["standards"])
    if pending:
        flush(pending)
    stats["levels"] = dict(stats["levels"].most_common())
    stats["statuses"] = dict(stats["statuses"].most_common())
    return stats, all_numbers, titles


# -- queries ----------------------------------------------------------------------------

#: Query kinds and their share of the mix.
QUERY_MIX = {
    "word_frequent": 17,  # one common subject word: 医疗器械, 注射器
    "word_generic": 3,  # one of the aspect words most titles share: 要求, 方法
    "word_rare": 10,  # one rare subject word
    "words_2_3": 15,  # two or three words: 注射器 无菌
    "product_name": 5,  # a whole product name as titles start with it
    "number": 15,  # a dated number in some written form
    "number_undated": 7,  # a series: GB/T 20004.1
    "serial": 8,  # a bare serial: 2760, 0287
    "prefix": 15,  # what is typed so far: 医疗器, GB/T 200
    "mixed": 5,  # code or number with words: YY/T 注射器
    "code": 3,  # a standard code alone: GB/T, yy/t, DB11/T
}
_FULL_WIDTH = {cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)} | {0x20: 0x3000}


def _written(number: str, rng: random.Random) -> str:
    """A dated number as users write it."""
    parsed = numbers.parse(number)
    r = rng.random()
    if r < 0.4:
        return number
    if r < 0.55:
        return number.replace(" ", "")
    if r < 0.65:
        return number.lower()
    if r < 0.75:
        return number.replace("-", "—")
    if r < 0.82:
        return number.translate(_FULL_WIDTH)
    if r < 0.9 and parsed.year and parsed.year < 2000 and number.endswith(str(parsed.year)):
        return number[:-4] + str(parsed.year)[2:]
    if "/T" in parsed.code:
        return number.replace("/T", "T", 1)
    return number.replace(" ", "  ")


def title_words(title: str) -> list[str]:
    """Words of a title (jieba, two Han characters or more), in order, once each."""
    import jieba

    return list(dict.fromkeys(w for w in jieba.lcut(title, HMM=False) if _HAN_WORD.fullmatch(w)))


def make_queries(
    count: int, vocab: Vocabulary, catalogue_numbers: list[str], titles: list[str], seed: int
):
    """``count`` reproducible ``(kind, text)`` queries in the proportions of QUERY_MIX.

    Several words are mostly words that occur together in a catalogue title (what
    people look for exists), sometimes words drawn independently (which may find
    nothing)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible samples, not secrets
    kinds = list(QUERY_MIX)
    weights = list(QUERY_MIX.values())
    out = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        number = rng.choice(catalogue_numbers)
        parsed = numbers.parse(number)
        if kind == "word_frequent":
            text = vocab.subjects.pick(rng)
        elif kind == "word_generic":
            text = vocab.generic.pick(rng)
        elif kind == "word_rare":
            text = vocab.subjects.rare(rng)
        elif kind == "words_2_3":
            want = rng.randint(2, 3)
            found = title_words(rng.choice(titles)) if titles and rng.random() < 0.7 else []
            if len(found) >= 2:
                picks = sorted(rng.sample(range(len(found)), min(want, len(found))))
                words = [found[i] for i in picks]
            else:
                words = []
                while len(words) < want:
                    word = (
                        vocab.subjects.pick(rng) if rng.random() < 0.7 else vocab.subjects.rare(rng)
                    )
                    if word not in words:
                        words.append(word)
            text = " ".join(words)
        elif kind == "product_name":
            text = vocab.heads.pick(rng)
        elif kind == "number":
            text = _written(number, rng)
        elif kind == "number_undated":
            text = rng.choice(
                (parsed.series, parsed.series.replace(" ", ""), parsed.series.lower())
            )
        elif kind == "serial":
            text = re.match(r"[\d.]*", parsed.serial).group().strip(".") or parsed.serial
        elif kind == "prefix":
            if rng.random() < 0.7:
                head = vocab.heads.pick(rng)
                text = head[: rng.randint(1, max(1, min(4, len(head) - 1)))]
            else:
                text = parsed.edition[: len(parsed.code) + rng.randint(2, 4)]
        elif kind == "code":
            text = parsed.code if rng.random() < 0.5 else parsed.code.lower()
        else:
            word = vocab.subjects.pick(rng)
            text = f"{parsed.code} {word}" if rng.random() < 0.5 else f"{parsed.series} {word}"
        out.append((kind, text))
    return out


# -- timing -----------------------------------------------------------------------------


def percentiles(times_ms: list[float]) -> dict:
    """p50/p95/p99/max/mean of a list of durations (nearest-rank percentiles)."""
    if not times_ms:
        return {"n": 0}
    ordered = sorted(times_ms)

    def rank(q):
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return {
        "n": len(ordered),
        "p50_ms": round(rank(0.50), 3),
        "p95_ms": round(rank(0.95), 3),
        "p99_ms": round(rank(0.99), 3),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(sum(ordered) / len(ordered), 3),
    }


def time_each(fn, items) -> list[tuple[float, object]]:
    """``fn(item)`` for each item: (milliseconds, result)."""
    out = []
    for item in items:
        start = time.perf_counter()
        result = fn(item)
        out.append(((time.perf_counter() - start) * 1000, result))
    return out


def code_fingerprint() -> str:
    """A short hash of the search code measured (backend, tokenizer, index, schema), so
    that figures from different runs can be told apart when the code has changed."""
    import hashlib

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in (
        "backends/sqlite_fts.py",
        "tokenize.py",
        "search_indexes.py",
        "services.py",
        "migrations/0001_initial.py",
    ):
        path = root / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def index_tables_bytes(alias: str) -> dict:
    """Bytes of the search tables and their indexes in the database file (dbstat)."""
    with connections[alias].cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            cur.execute(
                "SELECT s.name, SUM(s.pgsize) FROM dbstat s GROUP BY s.name ORDER BY 2 DESC"
            )
        except Exception:  # dbstat is not compiled into every SQLite
            return {}
        rows = cur.fetchall()
        cur.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE name LIKE 'search%' "
            "OR tbl_name LIKE 'search%'"
        )
        ours = {name for name, _tbl in cur.fetchall()}
    return {name: size for name, size in rows if name in ours or name.startswith("search_")}


# -- the throwaway database and search connections ---------------------------------------


class _CatalogueRouter:
    """Sends every catalogue query (the index's own lookups included) to ``alias``."""

    def __init__(self, alias):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias if model._meta.app_label == "standards" else None

    db_for_write = db_for_read


class _SearchRouter:
    """haystack router: plain ``SearchQuerySet()`` searches go to ``alias``."""

    def __init__(self, alias):
        self.alias = alias

    def for_read(self, **hints):
        return self.alias

    def for_write(self, **hints):
        return self.alias


def _sqlite_settings(path: Path) -> dict:
    default = connections.settings["default"]
    config = copy.deepcopy(default)
    options = (
        copy.deepcopy(default.get("OPTIONS", {}))
        if default["ENGINE"] == "django.db.backends.sqlite3"
        else {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
    config.update(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "ATOMIC_REQUESTS": False,
            "OPTIONS": options,
        }
    )
    return config


@contextlib.contextmanager
def throwaway_catalogue(path: Path, whoosh_path: Path | None = None):
    """Within the block the catalogue models live in the SQLite file ``path`` (Django
    alias ``bench``, migrated), plain haystack searches use the FTS backend on it, and
    with ``whoosh_path`` haystack alias ``whoosh`` is the Whoosh + jieba peer. Settings,
    routers and connections are put back afterwards; the default database is never
    touched."""
    from django.core.management import call_command

    import haystack

    configured = {str(Path(c.get("NAME") or "")) for c in connections.settings.values()}
    if ALIAS in connections.settings or str(path) in configured:
        raise ValueError(f"{path} is a configured database; the benchmark needs its own file")
    connections.settings[ALIAS] = _sqlite_settings(path)
    search_aliases = {ALIAS: {"ENGINE": "search.backends.sqlite_fts.FTSEngine", "DATABASE": ALIAS}}
    if whoosh_path is not None:
        search_aliases[WHOOSH_ALIAS] = {
            "ENGINE": "search.bench.JiebaWhooshEngine",
            "PATH": str(whoosh_path),
        }
    info = haystack.connections.connections_info
    clash = set(search_aliases) & set(info)
    if clash:
        del connections.settings[ALIAS]
        raise ValueError(f"haystack connection {sorted(clash)} already configured")
    info.update(search_aliases)
    saved_routers = haystack.connection_router._routers
    haystack.connection_router._routers = [_SearchRouter(ALIAS)]
    routers = [_CatalogueRouter(ALIAS), *settings.DATABASE_ROUTERS]
    try:
        with override_settings(DATABASE_ROUTERS=routers, DEBUG=False):
            for app in ("standards", "search"):
                call_command("migrate", app, database=ALIAS, verbosity=0, interactive=False)
            yield
    finally:
        haystack.connection_router._routers = saved_routers
        local = getattr(haystack.connections.thread_local, "connections", {})
        for name in search_aliases:
            local.pop(name, None)
            info.pop(name, None)
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


# -- the peer: haystack's Whoosh backend with jieba ---------------------------------------

if WHOOSH_AVAILABLE:
    from whoosh.fields import TEXT

    class JiebaWhooshBackend(WhooshSearchBackend):
        """haystack's Whoosh backend with jieba's ChineseAnalyzer on every text field."""

        def build_schema(self, fields):
            from jieba.analyse import ChineseAnalyzer

            content_field, schema = super().build_schema(fields)
            analyzer = ChineseAnalyzer()
            for name, field in fields.items():
                if type(schema[name]) is TEXT and not getattr(field, "facet_for", None):
                    schema[name].analyzer = analyzer
            return content_field, schema

    class JiebaWhooshEngine(WhooshEngine):
        backend = JiebaWhooshBackend
