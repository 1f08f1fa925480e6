"""Keep the search index in step with the catalogue.

With the embedded engines (SQLite FTS5, PostgreSQL) a save writes the index in its own
transaction. With an engine outside the database (Elasticsearch, or
``SEARCH_INDEX_QUEUE = True``) it records the change in the durable index queue in the
same transaction instead, and a task replays the queue after commit
(``search.indexing``): a save never fails, or waits, because the engine is down.

A supersession link changes the status of both standards it joins, so saving or
deleting one re-indexes them too.
"""

from django.db import models

from haystack.exceptions import NotHandled
from haystack.signals import RealtimeSignalProcessor

from search.indexing import queue_change, queue_enabled


class CatalogueSignalProcessor(RealtimeSignalProcessor):
    def setup(self):
        super().setup()
        from standards.models import Supersession

        models.signals.post_save.connect(self.handle_link, sender=Supersession)
        models.signals.post_delete.connect(self.handle_link, sender=Supersession)

    def teardown(self):
        from standards.models import Supersession

        models.signals.post_save.disconnect(self.handle_link, sender=Supersession)
        models.signals.post_delete.disconnect(self.handle_link, sender=Supersession)
        super().teardown()

    def _indexes(self, sender, instance):
        """(connection alias, index) for each connection that indexes ``sender``."""
        for using in self.connection_router.for_write(instance=instance):
            try:
                yield using, self.connections[using].get_unified_index().get_index(sender)
            except NotHandled:
                continue

    def handle_save(self, sender, instance, **kwargs):
        for using, index in self._indexes(sender, instance):
            if queue_enabled(using):
                if index.should_update(instance, **kwargs):
                    queue_change(sender, [instance.pk], using=using)
            else:
                index.update_object(instance, using=using)

    def handle_delete(self, sender, instance, **kwargs):
        for using, index in self._indexes(sender, instance):
            if queue_enabled(using):
                queue_change(sender, [instance.pk], using=using, action="remove")
            else:
                index.remove_object(instance, using=using)

    def handle_link(self, sender, instance, **kwargs):
        for standard in (instance.old, instance.new):
            if standard.pk is not None:
                self.handle_save(type(standard), standard)
