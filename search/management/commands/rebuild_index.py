"""haystack's ``rebuild_index``, with no downtime on Elasticsearch.

haystack rebuilds by ``clear_index`` then ``update_index``: searches find nothing until
the update ends. A backend that can build a new index beside the one serving and swap
it in (``search.backends.elasticsearch``: a physical index per build behind an alias)
does that instead; the others (SQLite FTS5, PostgreSQL) rebuild as haystack does, in
their own transaction.
"""

from haystack import connections
from haystack.management.commands.rebuild_index import Command as HaystackRebuildIndex


class Command(HaystackRebuildIndex):
    help = (
        "Rebuild the search index: Elasticsearch builds a new index and swaps it in (no "
        "downtime); the database engines clear and update."
    )

    def handle(self, **options):
        using = options.get("using") or list(connections.connections_info)
        swapping = [u for u in using if hasattr(connections[u].get_backend(), "rebuild")]
        verbosity = int(options.get("verbosity", 1))
        for alias in swapping:
            connections[alias].get_backend().rebuild(
                batch_size=options.get("batchsize"),
                log=self.stdout.write if verbosity >= 1 else None,
            )
        others = [u for u in using if u not in swapping]
        if others:
            super().handle(**{**options, "using": others})
