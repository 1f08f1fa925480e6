"""One behaviour suite for every search backend.

Each test module runs once per engine:

* ``sqlite``  — the embedded FTS5 backend, when the test database is SQLite;
* ``postgres`` — the configured database backend when the test database is PostgreSQL
  (whatever ``HAYSTACK_CONNECTIONS["default"]`` is then);
* ``elasticsearch`` — when ``ELASTICSEARCH_URL`` is set (a test index per module,
  deleted afterwards); otherwise skipped with a message saying so.

A module imports its small catalogue once per engine and commits it (the database
engines index in the same transaction, Elasticsearch gets ``rebuild_index``); each test
runs in a transaction that is rolled back. Elasticsearch is not rolled back: a test that
writes calls ``index_changed()``, and the next test starts from an index rebuilt from
the database.
"""

import os
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db import connection

import pytest
from haystack import connections

from tests.conftest import GB2760_CHAIN, write_jsonl

ES_SKIP = "ELASTICSEARCH_URL not set: Elasticsearch conformance skipped"
ES_ENGINE = "search.backends.elasticsearch.ElasticsearchEngine"
DB_ENGINES = {
    "sqlite": "search.backends.sqlite_fts.FTSEngine",
    "postgres": "search.backends.postgres_fts.PostgresEngine",
}

#: GB 2760's editions and friends, plus standards for text behaviour.
CATALOGUE = [
    *GB2760_CHAIN,
    {
        "number": "GB/T 42061-2022",
        "title": "医疗器械 质量管理体系 用于法规的要求",
        "status": "current",
        "effective": "2023-11-01",
        "ics": ["03.120.10", "11.040.01"],
    },
    {
        "number": "YY/T 0287-2017",
        "title": "医疗器械 质量管理体系 用于法规的要求",
        "status": "superseded",
        "effective": "2017-05-01",
        "replaced_by": ["GB/T 42061-2022"],
    },
    {"number": "GB/T 20004.1-2016", "title": "团体标准化 第1部分：良好行为指南"},
    {
        "number": "T/CNGA 30-2021",
        "title": "滑雪服装",
        "scope": "规定了高山滑雪和单板滑雪服装的要求。",
    },
    {"number": "GB/T 40924-2021", "title": "单板滑雪靴 滑雪板固定器接口"},
    {
        "number": "QB/T 1234-2000",
        "title": "运动鞋<script>x</script>",
        "scope": "适用于滑雪以外的各类运动鞋。",
    },
    {"number": "YY/T 1234-2015", "title": "医用X射线诊断设备 通用要求"},
    # A title that names a code (GB/T) without being a GB/T standard.
    {"number": "T/CPF 12-2019", "title": "按 GB/T 2828.1 抽样检验的实施指南"},
    # Titles that share only boilerplate (食品安全国家标准, "national … standard"):
    # not related to each other.
    {
        "number": "GB 7718-2011",
        "title": "食品安全国家标准 预包装食品标签通则",
        "title_en": "National food safety standard—General standard for the labeling of "
        "prepackaged foods",
    },
    {
        "number": "GB 18401-2010",
        "title": "国家纺织产品基本安全技术规范",
        "title_en": "National general safety technical code for textile products",
    },
]
ICS = ["03", "03.120", "03.120.10", "11", "11.040", "11.040.01", "67", "67.220", "67.220.20"]


def database_engine_name() -> str:
    return "postgres" if connection.vendor == "postgresql" else "sqlite"


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        metafunc.parametrize(
            "engine", [database_engine_name(), "elasticsearch"], indirect=True, scope="module"
        )


def connection_settings(name: str) -> dict:
    if name == "elasticsearch":
        return {
            "ENGINE": ES_ENGINE,
            "URL": os.environ["ELASTICSEARCH_URL"],
            "INDEX_NAME": f"test-conformance-{uuid.uuid4().hex[:12]}",
            "REPLICAS": 0,
            "SILENTLY_FAIL": False,
        }
    configured = dict(settings.HAYSTACK_CONNECTIONS["default"])
    if configured.get("ENGINE") == ES_ENGINE:
        # ELASTICSEARCH_URL is set: the database variant uses the database's engine.
        return {"ENGINE": DB_ENGINES[name], "DATABASE": "default"}
    return configured


class Engine:
    """The engine a module runs against, and whether its index needs a rebuild."""

    def __init__(self, name: str):
        self.name = name
        self.stale = False

    @property
    def external(self) -> bool:
        return self.name == "elasticsearch"

    def __str__(self):
        return self.name


@pytest.fixture(scope="module")
def engine(request):
    """The haystack ``default`` connection set to one engine for the module."""
    name = request.param
    if name == "elasticsearch" and not os.environ.get("ELASTICSEARCH_URL"):
        pytest.skip(ES_SKIP)
    before = connections.connections_info["default"]
    connections.connections_info["default"] = connection_settings(name)
    connections.reload("default")
    try:
        yield Engine(name)
    finally:
        if name == "elasticsearch":
            _drop_indices(connections["default"].get_backend())
        connections.connections_info["default"] = before
        connections.reload("default")


def _drop_indices(backend):
    names = set()
    for alias in (backend.index_name, backend.building_alias):
        names.update(backend._alias_targets(alias))
    for name in sorted(names):
        backend.client.options(ignore_status=404).indices.delete(index=name)


@pytest.fixture(scope="module")
def catalogue(engine, django_db_setup, django_db_blocker, tmp_path_factory):
    """The module's catalogue, committed, indexed by ``engine``; removed afterwards."""
    from standards.models import IcsClass, Standard

    with django_db_blocker.unblock():
        first = {
            "standard": _last_pk(Standard),
            "ics": _last_pk(IcsClass),
            "queue": _last_pk(_queue_model()),
        }
        parent = None
        for code in ICS:
            if "." not in code:
                parent = None
            else:
                parent = IcsClass.objects.get(code=code.rsplit(".", 1)[0])
            IcsClass.objects.get_or_create(code=code, defaults={"parent": parent})
        path = write_jsonl(tmp_path_factory.mktemp("catalogue") / "catalogue.jsonl", CATALOGUE)
        call_command("import_standards", str(path), verbosity=0)
        if engine.external:
            call_command("rebuild_index", interactive=False, verbosity=0)
    yield
    with django_db_blocker.unblock():
        Standard.objects.filter(pk__gt=first["standard"]).delete()
        IcsClass.objects.filter(pk__gt=first["ics"]).delete()
        if _queue_model() is not None:
            _queue_model().objects.filter(pk__gt=first["queue"]).delete()


def _queue_model():
    from django.apps import apps

    try:
        return apps.get_model("search", "IndexQueue")
    except LookupError:
        return None


def _last_pk(model) -> int:
    if model is None:
        return 0
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture(autouse=True)
def _fresh_index(request):
    """Rebuild an external index that the previous test wrote to."""
    if "engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("engine")
    request.getfixturevalue("catalogue")
    request.getfixturevalue("db")
    if engine.stale:
        call_command("rebuild_index", interactive=False, verbosity=0)
        engine.stale = False


@pytest.fixture
def index_changed(engine, django_capture_on_commit_callbacks):
    """For tests that write: mark the index for a rebuild after the test, and run the
    after-commit work (the index queue's replay) of what the test saves."""

    def changed():
        engine.stale = True
        return django_capture_on_commit_callbacks(execute=True)

    return changed
