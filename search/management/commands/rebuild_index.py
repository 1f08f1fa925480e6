"""haystack's ``rebuild_index``, with no downtime.

haystack rebuilds by ``clear_index`` then ``update_index``: searches find nothing until
the update ends. A backend with its own ``rebuild`` does better: Elasticsearch builds a
new physical index behind an alias and swaps it in; the database engines (SQLite FTS5,
PostgreSQL) rebuild in one transaction that searches see only once it commits.
"""

from haystack import connections
from haystack.management.commands.rebuild_index import Command as HaystackRebuildIndex


class Command(HaystackRebuildIndex):
    help = (
        "Rebuild the search index with no downtime: Elasticsearch swaps in a new index, the "
        "database engines rebuild in one transaction."
    )

    def handle(self, **options):
        using = options.get("using") or list(connections.connections_info)
        swapping = [
            u for u in using if callable(getattr(connections[u].get_backend(), "rebuild", None))
        ]
        verbosity = int(options.get("verbosity", 1))
        for alias in swapping:
            connections[alias].get_backend().rebuild(
                batch_size=options.get("batchsize"),
                log=self.stdout.write if verbosity >= 1 else None,
            )
        others = [u for u in using if u not in swapping]
        if others:
            super().handle(**{**options, "using": others})
