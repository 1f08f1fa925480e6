"""Keep the search index in step with the catalogue, in the same transaction.

A supersession link changes the status of both standards it joins, so saving or
deleting one re-indexes them too.
"""

from django.db import models

from haystack.signals import RealtimeSignalProcessor


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

    def handle_link(self, sender, instance, **kwargs):
        for standard in (instance.old, instance.new):
            if standard.pk is not None:
                self.handle_save(type(standard), standard)
