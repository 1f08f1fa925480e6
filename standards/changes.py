"""What a catalogue change is, for everyone who must react to one (no Django imports).

Announcements (``standards.announcements``) produce ``StandardChange`` records when
applied and when a future-dated change reaches its date; ``alerts`` re-flags the
declarations citing them and warns the firms and watchers concerned.
"""

import datetime
from dataclasses import dataclass

#: Kinds of change, as stored on ``CatalogueChange.kind``.
PUBLISHED = "published"
SUPERSEDED = "superseded"
PARTIALLY_SUPERSEDED = "partially_superseded"
WITHDRAWN = "withdrawn"
KINDS = (PUBLISHED, SUPERSEDED, PARTIALLY_SUPERSEDED, WITHDRAWN)


@dataclass(frozen=True)
class StandardChange:
    #: The edition concerned, normalized (``GB 2760-2014``).
    number: str
    #: Its series (``GB 2760``): undated references follow the series.
    series: str
    kind: str
    #: When the change takes effect (None: at once).
    effective_on: datetime.date | None = None
    #: Editions that replace it (superseded / partially superseded).
    replaced_by: tuple[str, ...] = ()
    title: str = ""
    level: str = ""
    ics: tuple[str, ...] = ()
    #: Where the change comes from, e.g. an announcement's number (公告号).
    source: str = ""
