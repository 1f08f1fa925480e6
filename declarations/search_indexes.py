"""What the search engine knows about each public declaration (haystack discovers this).

Field layout on the embedded FTS5 backend: ``title``, ``enterprise`` and ``products``
(boost >= 2) go to the title columns, ``text`` to the body; faceted fields (province,
region, category, status) become filter and facet terms. Standard numbers are not
matched here: number queries use the indexed ``Reference.normalized`` / ``series``
columns (``declarations.views.public``).

Declarations are indexed by ``reindex`` after the transaction that published, revised
or withdrew them commits (``declarations.services``), with products and references
already written; the post-save signal never indexes them (``should_update``), so a
half-written declaration or a draft is never searchable.
"""

from haystack import indexes

from declarations.models import Category, Declaration

#: Static rank: a declaration in force before a withdrawn one.
STATUS_RANK = {Declaration.Status.PUBLISHED: 1.2, Declaration.Status.WITHDRAWN: 0.8}
PUBLIC = (Declaration.Status.PUBLISHED, Declaration.Status.WITHDRAWN)


def province_of(region: str) -> str:
    return f"{region[:2]}0000" if region and len(region) >= 2 else ""


class DeclarationIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True)
    title = indexes.CharField(boost=3)
    enterprise = indexes.CharField(boost=2)
    products = indexes.CharField(boost=2)
    uscc = indexes.CharField(indexed=False)
    province = indexes.CharField(faceted=True)
    region = indexes.CharField(faceted=True)
    category = indexes.MultiValueField(faceted=True)
    status = indexes.CharField(model_attr="status", faceted=True)
    published = indexes.DateTimeField(model_attr="published_at", null=True)
    rank = indexes.FloatField(indexed=False)

    def get_model(self):
        return Declaration

    def index_queryset(self, using=None):
        return (
            Declaration.objects.filter(status__in=PUBLIC, version__gt=0)
            .select_related("enterprise")
            .prefetch_related("products", "references", "own_standards")
        )

    def read_queryset(self, using=None):
        return self.index_queryset(using)

    def should_update(self, instance, **kwargs):
        # Saves (signals) never index a declaration: ``reindex`` does, after commit.
        return False

    def prepare_title(self, obj):
        return str(obj)

    def prepare_enterprise(self, obj):
        return obj.enterprise.name

    def prepare_products(self, obj):
        return " ".join(f"{p.name} {p.model}" for p in obj.products.all())

    def prepare_uscc(self, obj):
        return obj.enterprise.uscc

    def prepare_province(self, obj):
        return province_of(obj.enterprise.region)

    def prepare_region(self, obj):
        return obj.enterprise.region

    def prepare_category(self, obj):
        return sorted({p.category for p in obj.products.all() if p.category})

    def prepare_rank(self, obj):
        return STATUS_RANK.get(obj.status, 1.0)

    def prepare_text(self, obj):
        enterprise = obj.enterprise
        parts = [enterprise.uscc, enterprise.region_name, enterprise.industry]
        labels = dict(Category.choices)
        for p in obj.products.all():
            parts += [p.common_name, p.specification, p.barcode, str(labels.get(p.category, ""))]
        for r in obj.references.all():
            parts += [r.normalized or r.input, r.title]
        for o in obj.own_standards.all():
            parts += [o.number, o.name]
        return "\n".join(str(p) for p in parts if p)


def reindex(pk: int) -> None:
    """(Re)index one declaration if it is public, else take it out of the index."""
    from search.indexing import remove_objects, update_objects

    if not update_objects(Declaration, Declaration.objects.filter(pk=pk)):
        remove_objects(Declaration, [pk])


def reindex_enterprise(enterprise) -> int:
    """Re-index an enterprise's public declarations (after its name or region changed)."""
    from search.indexing import update_objects

    return update_objects(Declaration, enterprise.declarations.all())
