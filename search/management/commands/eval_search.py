"""Measure search relevance on the real titles, against two reference searches.

    python manage.py eval_search [--catalogue shared|db] [--json] [--details]
                                 [--queries FILE] [--fail-under] [--no-wagtail]

``--catalogue shared`` (default) imports the two real source files of
``settings.SHARED_DATA_DIR`` into a throwaway test database (in memory for SQLite, a
``test_`` database elsewhere, as the test runner makes it), rebuilds the search index
there and evaluates; the database in use is never written. ``--catalogue db`` evaluates
the catalogue and index of the database in use as they are (anything the reference
searches write there is rolled back).

Systems measured in the same run (see ``search.relevance``):

* ``ours`` — the product's search (``search.services.standards_queryset``, the ranked
  list ``search_standards`` pages through), every result;
* ``jieba_alone`` — word-level matching on jieba words with the project dictionary
  (``fixtures/jieba_userdict.txt``);
* ``jieba_alone_no_dictionary`` — the same with jieba's own dictionary only;
* ``wagtail_database`` — Wagtail's default database search backend
  (``wagtail.search.backends.database``, SQLite FTS5) indexing number, title and scope.
  ``Standard`` is given Wagtail's ``Indexed`` mixin for the duration of the run only.

Prints a table, or JSON with ``--json``. ``--fail-under`` exits non-zero when ours
misses a bar (architecture.md, "Bars the product is held to").
"""

import contextlib
import json
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

import jieba

from search import relevance, tokenize
from search.services import standards_queryset
from standards import numbers
from standards.models import Standard

#: The project's query set with judgments (keyword queries are judged at run time).
QUERIES = Path(settings.BASE_DIR) / "fixtures" / "search_queries.json"


def shared_files() -> list[Path]:
    base = Path(settings.SHARED_DATA_DIR)
    return [
        base / "nmpa-medical-devices" / "standards.json",
        base / "sports-standards" / "standards.json",
    ]


def load_queries(path: Path = QUERIES) -> relevance.QuerySet:
    return relevance.QuerySet.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def catalogue_rows() -> list[relevance.Row]:
    """Every standard with its own record, as stored (titles after the importer's cleaning)."""
    rows = Standard.objects.listed().order_by("pk").values_list("number", "title", "scope")
    return [relevance.Row(n, t or "", s or "") for n, t, s in rows]


def import_shared(files=None) -> None:
    """Import the shared source files and rebuild the search index from scratch."""
    files = files or shared_files()
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise CommandError(f"缺少共享数据文件：{', '.join(missing)}")
    call_command("import_standards", *map(str, files), verbosity=0)
    call_command("clear_index", interactive=False, verbosity=0)
    from search.indexing import update_objects

    update_objects(Standard, Standard.objects.listed())


def ours(q: str) -> list[str]:
    """The product's ranked list for ``q``, every result."""
    return [r.number for r in standards_queryset(q)[:]]


@contextlib.contextmanager
def wagtail_database_search():
    """Wagtail's default database search over ``Standard`` (number, title, scope).

    ``Standard`` does not subclass ``wagtail.search.index.Indexed``; for the duration of
    the block it is given the mixin and ``search_fields``, indexed through the backend
    and searched through it. Index entries are written inside a transaction that is
    rolled back on exit, and the class is restored.
    """
    from wagtail.search import index
    from wagtail.search.backends import get_search_backend

    bases = Standard.__bases__
    fields = Standard.__dict__.get("search_fields")
    if not issubclass(Standard, index.Indexed):
        Standard.__bases__ = (index.Indexed, *bases)
    Standard.search_fields = [
        index.SearchField("title"),
        index.SearchField("number"),
        index.SearchField("scope"),
        index.FilterField("placeholder"),
    ]
    try:
        with transaction.atomic():
            backend = get_search_backend()
            backend.add_bulk(Standard, list(Standard.objects.listed()))
            listed = Standard.objects.listed()

            def search(q: str) -> list[str]:
                return [s.number for s in backend.search(q, listed)]

            search.backend_name = f"{type(backend).__module__}.{type(backend).__name__}"
            yield search
            transaction.set_rollback(True)
    finally:
        Standard.__bases__ = bases
        if fields is None:
            del Standard.search_fields
        else:
            Standard.search_fields = fields


def check_judgments(queries: relevance.QuerySet) -> list[str]:
    """Number judgments the catalogue at hand does not bear out: the expected standard is
    missing, or an undated query expects an edition not in force while another edition
    of the series is."""
    listed = dict(Standard.objects.listed().values_list("number", "series"))
    in_force = dict(Standard.objects.in_force().values_list("number", "series"))
    series_in_force = set(in_force.values())
    warnings = []
    for query in queries.number:
        if query.expected not in listed:
            warnings.append(f"{query.q!r}: {query.expected} 不在目录中")
            continue
        parsed = numbers.try_parse(query.q)
        undated = parsed is not None and not parsed.dated
        if undated and query.expected not in in_force and listed[query.expected] in series_in_force:
            current = sorted(n for n, s in in_force.items() if s == listed[query.expected])
            warnings.append(f"{query.q!r}: 现行版本是 {'、'.join(current)}，不是 {query.expected}")
    return warnings


def evaluate_all(queries: relevance.QuerySet, *, wagtail: bool = True) -> dict:
    """Ours and the reference searches on the catalogue in the database, one report each."""
    rows = catalogue_rows()
    judgments = relevance.Judge(rows)
    systems = {}
    started = time.perf_counter()
    systems["ours"] = relevance.evaluate(
        ours,
        rows,
        queries,
        name="ours",
        note="SQLite FTS5：jieba 词 + 汉字二元组，编号词元",
        judgments=judgments,
    )
    systems["jieba_alone"] = relevance.evaluate(
        relevance.JiebaIndex(rows, relevance.jieba_words(dictionary=tokenize.DICTIONARY)),
        rows,
        queries,
        name="jieba_alone",
        note="jieba 搜索模式分词（jieba 词典 + fixtures/jieba_userdict.txt）："
        "查询的每个词都须是标题或编号的词",
        judgments=judgments,
    )
    systems["jieba_alone_no_dictionary"] = relevance.evaluate(
        relevance.JiebaIndex(rows, relevance.jieba_words(dictionary=None)),
        rows,
        queries,
        name="jieba_alone_no_dictionary",
        note="同上，仅用 jieba 自带词典",
        judgments=judgments,
    )
    if wagtail and connection.vendor != "sqlite":
        systems["wagtail_database"] = relevance.evaluate(
            relevance.WhitespaceFTSIndex(rows),
            rows,
            queries,
            name="wagtail_database",
            note="模拟（数据库不是 SQLite）：按 SQLite FTS5 unicode61 切词——无空格的中文串"
            "是一个词元，只有与标题中以空格分隔的整段相同的查询才能命中",
            judgments=judgments,
        )
    elif wagtail:
        with wagtail_database_search() as search:
            systems["wagtail_database"] = relevance.evaluate(
                search,
                rows,
                queries,
                name="wagtail_database",
                note=f"{search.backend_name}：标准模型在本次运行中临时加入 Wagtail 的 "
                "Indexed（字段 title、number、scope）；FTS5 unicode61 按空格与标点切词",
                judgments=judgments,
            )
    return {
        "catalogue": {"standards": len(rows)},
        "queries": {"keyword": len(queries.keyword), "number": len(queries.number)},
        "bars": relevance.BARS,
        "dictionary": _dictionary(),
        "systems": systems,
        "judgment_warnings": check_judgments(queries),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _dictionary() -> dict:
    path = tokenize.DICTIONARY
    if not path.exists():
        return {"file": str(path.name), "entries": 0}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {"file": path.name, "entries": sum(1 for line in lines if line.strip())}


@contextlib.contextmanager
def throwaway_database():
    """A fresh, migrated test database for the duration of the block (never the one in use)."""
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


class Command(BaseCommand):
    help = "检索相关性评测：召回率、前 10 准确率、编号查询排名（对照 jieba 与 Wagtail）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--catalogue",
            choices=["shared", "db"],
            default="shared",
            help="shared：把共享真实数据导入临时测试库再评测（默认）；db：评测当前数据库",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="输出 JSON")
        parser.add_argument("--details", action="store_true", help="JSON 中包含逐条查询结果")
        parser.add_argument("--queries", default=str(QUERIES), help="查询集（JSON）")
        parser.add_argument("--fail-under", action="store_true", help="未达标时以非零状态退出")
        parser.add_argument("--no-wagtail", action="store_true", help="不测 Wagtail 对照")

    def handle(self, *args, catalogue, as_json, details, queries, fail_under, no_wagtail, **opts):
        jieba.setLogLevel(logging.WARNING)
        query_set = load_queries(Path(queries))
        started = time.perf_counter()
        if catalogue == "shared":
            with throwaway_database():
                import_shared()
                prepared = time.perf_counter() - started
                result = evaluate_all(query_set, wagtail=not no_wagtail)
        else:
            prepared = 0.0
            result = evaluate_all(query_set, wagtail=not no_wagtail)
        result["catalogue"]["source"] = catalogue
        result["seconds"] = {"prepare": round(prepared, 2), "evaluate": result["seconds"]}
        if not details:
            result["systems"] = {k: relevance.summary(v) for k, v in result["systems"].items()}
        if as_json:
            self.stdout.write(_json(result))
        else:
            self._table(result)
        missed = [k for k, ok in result["systems"]["ours"]["bars_met"].items() if not ok]
        if fail_under and missed:
            raise CommandError(f"未达标：{', '.join(missed)}")

    def _table(self, result):
        out = self.stdout
        out.write(
            f"目录 {result['catalogue']['standards']} 条（{result['catalogue']['source']}），"
            f"关键词查询 {result['queries']['keyword']}，编号查询 {result['queries']['number']}"
        )
        out.write(
            f"{'system':28} {'recall':>7} {'P@10':>7} {'rank1':>7} "
            f"{'recall*':>8} {'P@10*':>7} {'p50 ms':>8} {'p95 ms':>8}"
        )
        for name, rep in result["systems"].items():
            scope = rep["scope_variant"]
            out.write(
                f"{name:28} {_f(rep['recall']):>7} {_f(rep['precision_at_10']):>7} "
                f"{_f(rep['number_rank1']):>7} {_f(scope['recall']):>8} "
                f"{_f(scope['precision_at_10']):>7} {rep['timing_ms']['p50']:>8} "
                f"{rep['timing_ms']['p95']:>8}"
            )
        out.write("(* 范围/摘要文字也算相关)")
        rep = result["systems"]["ours"]
        for key in ("recall", "precision_at_10"):
            for row in rep["worst"][key]:
                out.write(
                    f"  ours 最差 {key} {row[key]:.4f}：{row['q']}（相关 {row['relevant']}，"
                    f"返回 {row['returned']}；漏检 {row['missed']}，前 10 中不相关 "
                    f"{row['irrelevant_top']}）"
                )
        for row in rep["worst"]["number"]:
            out.write(
                f"  ours 编号查询 {row['q']!r}：{row['expected']} 排第 {row['rank']}，"
                f"前 3 为 {row['first']}"
            )
        for warning in result["judgment_warnings"]:
            out.write(self.style.WARNING(f"  判定存疑：{warning}"))
        bars = rep["bars_met"]
        style = self.style.SUCCESS if all(bars.values()) else self.style.ERROR
        out.write(style(f"ours 达标：{bars}"))


def _f(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
