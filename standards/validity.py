"""Whether a cited standard is in force on a given date (标准查新).

The rules are those of ``../shared/design/domain.md`` ("Lifecycle and supersession" and
"Whether a cited reference is outdated"); its verdict table is the specification:
``current``, ``superseded``, ``withdrawn``, ``upcoming``, ``unknown``, ``malformed``.

Plain Python with no Django imports: the database is one :class:`Catalogue`
(``standards.catalogue.DbCatalogue``), tests and tools use :class:`MemoryCatalogue`.

An edition's status on a date (:func:`status_on`) is derived, not read:

1. published after the date: ``unpublished`` (it did not exist yet);
2. it stops being in force on its ``withdrawn`` date if known, else on the earliest
   effective date of a *full* successor; a partial successor (部分代替) never ends it;
3. when no such date is known, the stored status (what the source said when the record
   was made) decides whether it has ended, except on dates before everything said to
   replace it was published (it cannot have been replaced by what did not exist yet);
4. not ended: ``upcoming`` while its effective date is still to come (with no effective
   date: when stored as upcoming), else ``current``.

An ended edition is ``superseded`` when something replaced it (a full successor, or a
partial one when the record does not say withdrawn), else ``withdrawn``.

Data from real sources is messy (cycles, self-links, contradicting dates), so every
walk over supersession links is bounded and every oddity met is reported in
``Verdict.problems`` rather than raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

from standards.numbers import NumberError, StandardNumber, parse

__all__ = [
    "CURRENT",
    "MALFORMED",
    "STATUSES",
    "SUPERSEDED",
    "UNKNOWN",
    "UNPUBLISHED",
    "UPCOMING",
    "VERDICTS",
    "WITHDRAWN",
    "Catalogue",
    "Edition",
    "Link",
    "MemoryCatalogue",
    "Verdict",
    "check",
    "check_all",
    "message_en",
    "status_on",
]

CURRENT = "current"
UPCOMING = "upcoming"
SUPERSEDED = "superseded"
WITHDRAWN = "withdrawn"
#: status_on() for a date before the edition was published.
UNPUBLISHED = "unpublished"
UNKNOWN = "unknown"
MALFORMED = "malformed"

#: Stored statuses an Edition may carry.
STATUSES = (CURRENT, UPCOMING, SUPERSEDED, WITHDRAWN)
#: The six verdicts of domain.md, in the order of its table.
VERDICTS = (CURRENT, SUPERSEDED, WITHDRAWN, UPCOMING, UNKNOWN, MALFORMED)

#: Most editions visited while following one chain of supersessions. Real chains are
#: shorter than 10; the bound only matters for corrupt data.
MAX_CHAIN = 100
#: A record still saying 现行 / 即将实施 this long after the dates say the edition
#: ended (or took effect) is reported as a data problem. A shorter gap is only a record
#: made before the date asked about.
STALE_RECORD = timedelta(days=365)

#: Stored statuses as the canonical import format allows them (English or Chinese).
_STORED = {
    CURRENT: CURRENT,
    "现行": CURRENT,
    UPCOMING: UPCOMING,
    "即将实施": UPCOMING,
    SUPERSEDED: SUPERSEDED,
    "被代替": SUPERSEDED,
    WITHDRAWN: WITHDRAWN,
    "废止": WITHDRAWN,
}
_ENDED = (SUPERSEDED, WITHDRAWN)


# -- data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """One side of a supersession (代替 / 部分代替): the other edition's number."""

    #: Normalized edition number of the other side ("GB 2760-2024").
    number: str
    #: 部分代替: the new edition replaces only part of the old one.
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Edition:
    """One edition of a standard as the catalogue records it."""

    #: Normalized edition number, without amendment ("GB 2760-2014").
    number: str
    #: Number without the year ("GB 2760"): all editions of a standard share it.
    series: str
    title: str
    #: Status the source gave when the record was made: current|upcoming|superseded|withdrawn.
    status: str
    published: date | None = None
    effective: date | None = None
    #: Date it stopped being in force (withdrawal or replacement), if known.
    withdrawn: date | None = None
    #: Editions replacing this one (forward links, whichever side the source stated).
    replaced_by: tuple[Link, ...] = ()
    #: Editions this one replaces.
    replaces: tuple[Link, ...] = ()
    title_en: str = ""
    #: Known only as the other side of a supersession, with no record of its own.
    placeholder: bool = False


@runtime_checkable
class Catalogue(Protocol):
    """Where editions are looked up. Numbers are normalized edition numbers."""

    def get(self, number: str) -> Edition | None: ...

    def in_series(self, series: str) -> Sequence[Edition]: ...


class MemoryCatalogue:
    """A catalogue held in memory, built from editions.

    Supersession may be stated on either side (``replaces`` on the new edition or
    ``replaced_by`` on the old one); the missing direction is derived so both are
    present. When an edition's number appears twice, the later record wins.
    """

    __slots__ = ("_by_number", "_by_series")

    def __init__(self, editions: Iterable[Edition] = ()):
        given: dict[str, Edition] = {}
        for edition in editions:
            given[edition.number] = edition
        forward = {n: {link.number: link for link in e.replaced_by} for n, e in given.items()}
        backward = {n: {link.number: link for link in e.replaces} for n, e in given.items()}
        for number, edition in given.items():
            for link in edition.replaced_by:
                if link.number in backward:
                    backward[link.number].setdefault(number, Link(number, link.partial))
            for link in edition.replaces:
                if link.number in forward:
                    forward[link.number].setdefault(number, Link(number, link.partial))
        self._by_number: dict[str, Edition] = {}
        series: dict[str, list[Edition]] = {}
        for number, edition in given.items():
            edition = replace(
                edition,
                replaced_by=tuple(sorted(forward[number].values(), key=_link_order)),
                replaces=tuple(sorted(backward[number].values(), key=_link_order)),
            )
            self._by_number[number] = edition
            series.setdefault(edition.series, []).append(edition)
        self._by_series = {
            name: tuple(sorted(members, key=lambda e: _natural(e.number)))
            for name, members in series.items()
        }

    def get(self, number: str) -> Edition | None:
        return self._by_number.get(number)

    def in_series(self, series: str) -> Sequence[Edition]:
        """Editions of a series, oldest first."""
        return self._by_series.get(series, ())

    def __len__(self) -> int:
        return len(self._by_number)

    def __iter__(self):
        return iter(self._by_number.values())

    def __contains__(self, number: object) -> bool:
        return number in self._by_number


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check says about one reference, as of one date."""

    input: str
    normalized: str | None
    level: str | None
    mandatory: bool | None
    dated: bool | None
    #: One of VERDICTS.
    verdict: str
    #: The edition meant (for an undated reference, the one it resolved to).
    standard: Edition | None
    #: The edition to use now: the end of the chain in force on the date; for an
    #: upcoming edition the one in force meanwhile; the standard itself when current.
    current: Edition | None
    #: Further editions in force when the cited one was split or merged into several.
    others: tuple[Edition, ...]
    #: When the cited edition's status changed: the date it stopped being in force
    #: (superseded/withdrawn), its effective date (upcoming), its publication date
    #: (unknown because published later); None when current or not known.
    changed_on: date | None
    #: One line of plain Chinese that says what to do.
    message: str
    warnings: tuple[str, ...]
    #: A published successor not yet in force (what a firm should prepare for).
    successor: Edition | None
    #: Data problems met on the way (cycles, contradictions), in Chinese.
    problems: tuple[str, ...]
    #: ``message`` in English.
    message_en: str = ""
    #: ``warnings`` in English, in the same order.
    warnings_en: tuple[str, ...] = ()


# -- status of one edition on a date ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _State:
    status: str
    changed_on: date | None
    #: Successor links (self-links left out) with the edition each names, if catalogued.
    successors: tuple[tuple[Link, Edition | None], ...]
    problems: tuple[str, ...]


def status_on(edition: Edition, on: date, catalogue: Catalogue) -> str:
    """``current``, ``upcoming``, ``superseded``, ``withdrawn`` or ``unpublished`` on ``on``.

    See the module docstring for the rules; the catalogue is used to read the effective
    dates of the edition's successors.
    """
    return _assess(edition, _as_date(on), catalogue).status


def _assess(edition: Edition, on: date, catalogue: Catalogue) -> _State:
    number = edition.number
    problems: list[str] = []
    stored = _STORED.get(edition.status)
    if stored is None:
        problems.append(_P["status"].format(number=number, status=edition.status or "空"))
    successors = []
    self_link = False
    for link in edition.replaced_by:
        if link.number == number:
            self_link = True
        else:
            successors.append((link, catalogue.get(link.number)))
    if self_link or any(link.number == number for link in edition.replaces):
        problems.append(_P["self"].format(number=number))
    published, effective = edition.published, edition.effective
    if published and effective and effective < published:
        problems.append(
            _P["effective_before_published"].format(
                number=number, effective=effective, published=published
            )
        )
    if published is not None and published > on:
        return _State(UNPUBLISHED, published, tuple(successors), tuple(problems))

    end = edition.withdrawn
    if end is None:
        end = min(
            (
                s.effective
                for link, s in successors
                if not link.partial and s is not None and s.effective is not None
            ),
            default=None,
        )
    if end is not None and effective is not None and end < effective:
        problems.append(
            _P["ends_before_effective"].format(number=number, end=end, effective=effective)
        )

    if end is not None and end <= on:
        status, changed = _ended_as(stored, successors, on), end
        if stored in (CURRENT, UPCOMING) and on - end >= STALE_RECORD:
            problems.append(_P["stale_current"].format(number=number, end=end))
    elif effective is not None and effective > on:
        status, changed = UPCOMING, effective
    elif end is None and stored in _ENDED and not _replaced_later(stored, successors, on):
        status, changed = _ended_as(stored, successors, on), None
    elif effective is None and stored == UPCOMING:
        status, changed = UPCOMING, None
    else:
        status, changed = CURRENT, None
        if stored == UPCOMING and effective is not None and on - effective >= STALE_RECORD:
            problems.append(_P["stale_upcoming"].format(number=number, effective=effective))
    return _State(status, changed, tuple(successors), tuple(problems))


def _replaced_later(stored: str | None, successors, on: date) -> bool:
    """Whether everything said to replace the edition was published after ``on``.

    The record says the edition has ended but no date says when; it cannot have been
    replaced before its replacement existed, so on earlier dates it was still in force.
    Full successors count; with none, the partial ones behind a record of 被代替.
    """
    full = [s for link, s in successors if not link.partial]
    if full:
        considered = full
    elif stored == SUPERSEDED:
        considered = [s for _link, s in successors]
    else:
        return False
    return bool(considered) and all(
        s is not None and s.published is not None and s.published > on for s in considered
    )


def _ended_as(stored: str | None, successors, on: date) -> str:
    """Superseded or withdrawn, for an edition no longer in force on ``on``."""
    existing = [
        link for link, s in successors if s is None or s.published is None or s.published <= on
    ]
    if any(not link.partial for link in existing):
        return SUPERSEDED
    if stored in _ENDED:
        return stored
    return SUPERSEDED if existing else WITHDRAWN


# -- checking references ---------------------------------------------------------------


def check(reference: str, catalogue: Catalogue, on: date) -> Verdict:
    """The verdict on one cited reference, as of ``on``."""
    return _Session(catalogue, _as_date(on)).check(reference)


def check_all(references: Iterable[str], catalogue: Catalogue, on: date) -> list[Verdict]:
    """Verdicts for many references, in the order given (work shared between them)."""
    session = _Session(catalogue, _as_date(on))
    done: dict[str, Verdict] = {}
    verdicts = []
    for reference in references:
        verdict = done.get(reference)
        if verdict is None:
            verdict = done[reference] = session.check(reference)
        verdicts.append(verdict)
    return verdicts


def message_en(verdict: Verdict) -> str:
    """The verdict's one-line message in English."""
    if verdict.message_en:
        return verdict.message_en
    # A Verdict built elsewhere without its English line: say the essentials.
    key = verdict.verdict
    if key in (SUPERSEDED, UPCOMING) and verdict.current is not None:
        key += "_current"
    template = _FALLBACK_EN.get(key, _FALLBACK_EN[MALFORMED])
    return template.format(
        input=verdict.input,
        number=verdict.normalized or verdict.input,
        current=verdict.current.number if verdict.current else "",
    )


class _Out:
    """What one check collects before it becomes a Verdict."""

    __slots__ = ("parts", "warnings", "problems")

    def __init__(self):
        self.parts: list[tuple[str, str]] = []
        self.warnings: dict[str, str] = {}
        self.problems: dict[str, None] = {}

    def say(self, key: str, **values) -> None:
        zh, en = _M[key]
        self.parts.append((zh.format(**values), en.format(**values)))

    def warn(self, key: str, **values) -> None:
        zh, en = _W[key]
        self.warnings.setdefault(zh.format(**values), en.format(**values))

    def problem(self, text: str) -> None:
        self.problems.setdefault(text, None)

    def note(self, state: _State) -> None:
        for text in state.problems:
            self.problems.setdefault(text, None)


class _Session:
    """Checks against one catalogue on one date; statuses are worked out once each."""

    __slots__ = ("catalogue", "on", "_states")

    def __init__(self, catalogue: Catalogue, on: date):
        self.catalogue = catalogue
        self.on = on
        self._states: dict[str, _State] = {}

    def state(self, edition: Edition) -> _State:
        state = self._states.get(edition.number)
        if state is None:
            state = self._states[edition.number] = _assess(edition, self.on, self.catalogue)
        return state

    # -- entry -------------------------------------------------------------------------

    def check(self, reference: str) -> Verdict:
        try:
            number = parse(reference)
        except NumberError as exc:
            text = str(exc)
            return Verdict(
                input=reference,
                normalized=None,
                level=None,
                mandatory=None,
                dated=None,
                verdict=MALFORMED,
                standard=None,
                current=None,
                others=(),
                changed_on=None,
                message=text,
                warnings=(),
                successor=None,
                problems=(),
                message_en=_M["malformed"][1].format(input=reference, reason=text),
            )
        out = _Out()
        if number.dated:
            fields = self._dated(number, out)
        else:
            fields = self._undated(number, out)
        return Verdict(
            input=reference,
            normalized=number.normalized,
            level=number.level,
            mandatory=number.mandatory,
            dated=number.dated,
            message="；".join(zh for zh, _en in out.parts),
            message_en="; ".join(en for _zh, en in out.parts),
            warnings=tuple(out.warnings),
            warnings_en=tuple(out.warnings.values()),
            problems=tuple(out.problems),
            **fields,
        )

    # -- dated: that edition only ------------------------------------------------------

    def _dated(self, number: StandardNumber, out: _Out) -> dict:
        edition = self.catalogue.get(number.edition)
        if edition is None:
            return self._unknown(number.edition, number.series, out)
        state = self.state(edition)
        out.note(state)
        if state.status == UNPUBLISHED:
            out.say("unpublished", number=edition.number, date=edition.published, on=self.on)
            self._hint(number.series, out, exclude=edition.number, key="hint_then")
            return _fields(UNKNOWN, edition, changed_on=state.changed_on)
        if edition.placeholder and state.status not in _ENDED:
            return self._unknown(number.edition, number.series, out, placeholder=True)
        if state.status == CURRENT:
            successor = self._outlook(edition, state, out)
            if successor is None:
                out.say("current")
            else:
                self._say_next("current_next", successor, edition, out)
            return _fields(CURRENT, edition, current=edition, successor=successor)
        if state.status == UPCOMING:
            return self._upcoming(edition, state, out, dated=True)
        if state.status == SUPERSEDED:
            return self._superseded(edition, state, out)
        self._withdrawn(edition, state, out, dated=True)
        return _fields(WITHDRAWN, edition, changed_on=state.changed_on)

    # -- undated: the series' edition in force -----------------------------------------

    def _undated(self, number: StandardNumber, out: _Out) -> dict:
        editions = [e for e in self.catalogue.in_series(number.series) if not e.placeholder]
        if not editions:
            edition = self.catalogue.get(number.edition)
            if edition is None or edition.placeholder:
                out.say("unknown_series", number=number.series)
                return _fields(UNKNOWN)
            editions = [edition]
        states = [(e, self.state(e)) for e in editions]
        existing = [(e, s) for e, s in states if s.status != UNPUBLISHED]
        if not existing:
            first = min(editions, key=lambda e: (e.published or date.max, _natural(e.number)))
            out.say(
                "undated_unpublished",
                number=number.series,
                on=self.on,
                std=first.number,
                date=first.published,
            )
            return _fields(UNKNOWN, changed_on=first.published)

        in_force = [e for e, s in existing if s.status == CURRENT]
        if in_force:
            edition = in_force[0]
            if len(in_force) > 1:
                edition = max(in_force, key=_edition_order)
                out.problem(
                    _P["several_current"].format(
                        series=number.series, numbers="、".join(_sorted_numbers(in_force))
                    )
                )
            state = self.state(edition)
            out.note(state)
            successor = self._outlook(edition, state, out)
            out.say("undated_current", std=edition.number)
            if successor is not None:
                self._say_next("undated_next", successor, edition, out)
            return _fields(CURRENT, edition, current=edition, successor=successor)

        upcoming = [e for e, s in existing if s.status == UPCOMING]
        if upcoming:
            edition = min(upcoming, key=lambda e: (e.effective or date.max, _natural(e.number)))
            state = self.state(edition)
            out.note(state)
            return self._upcoming(edition, state, out, dated=False)

        edition = max((e for e, _s in existing), key=_edition_order)
        state = self.state(edition)
        out.note(state)
        if state.status == SUPERSEDED:
            return self._superseded(edition, state, out)
        self._withdrawn(edition, state, out, dated=False)
        return _fields(WITHDRAWN, edition, changed_on=state.changed_on)

    # -- the verdicts ------------------------------------------------------------------

    def _unknown(self, number: str, series: str, out: _Out, placeholder: bool = False) -> dict:
        out.say("unknown_placeholder" if placeholder else "unknown", number=number)
        self._hint(series, out, exclude=number, key="hint")
        return _fields(UNKNOWN)

    def _hint(self, series: str, out: _Out, exclude: str, key: str) -> None:
        """Name the series' editions in force: a hint, never a verdict."""
        in_force = [
            e
            for e in self.catalogue.in_series(series)
            if e.number != exclude and not e.placeholder and self.state(e).status == CURRENT
        ]
        if in_force:
            names = _sorted_numbers(in_force)
            out.say(key, hint=_join(names, "zh"), hint_en=_join(names, "en"))

    def _upcoming(self, edition: Edition, state: _State, out: _Out, dated: bool) -> dict:
        meanwhile = self._meanwhile(edition, out)
        prefix = "upcoming" if dated else "undated_upcoming"
        suffix = "" if edition.effective else "_nodate"
        out.say(prefix + suffix, std=edition.number, date=edition.effective)
        if meanwhile:
            numbers = [e.number for e in meanwhile]
            out.say("meanwhile", old=_join(numbers, "zh"), old_en=_join(numbers, "en"))
        else:
            out.say("meanwhile_none")
        return _fields(
            UPCOMING,
            edition,
            current=meanwhile[0] if meanwhile else None,
            others=tuple(meanwhile[1:]),
            changed_on=state.changed_on,
        )

    def _meanwhile(self, edition: Edition, out: _Out) -> list[Edition]:
        """Editions in force until an upcoming one takes effect.

        What it replaces, if in force; else the series' edition in force; else, where
        those were themselves replaced (say by a renumbered standard), the editions in
        force at the end of their chains.
        """
        candidates = []
        for link in edition.replaces:
            old = self.catalogue.get(link.number) if link.number != edition.number else None
            if old is not None and not old.placeholder:
                candidates.append(old)
        series = [e for e in self.catalogue.in_series(edition.series) if e.number != edition.number]
        for group in (candidates, series):
            found = [e for e in group if not e.placeholder and self.state(e).status == CURRENT]
            if found:
                for e in found:
                    out.note(self.state(e))
                return sorted(found, key=lambda e: _natural(e.number))
        for old in [*candidates, *sorted(series, key=_edition_order, reverse=True)]:
            state = self.state(old)
            if state.status == SUPERSEDED:
                # A scratch output: the walk is a lookup here, its wording is not wanted.
                chain = self._follow(old, state, _Out())
                found = [e for e in chain.currents if e.number != edition.number]
                if found:
                    return found
        return []

    def _withdrawn(self, edition: Edition, state: _State, out: _Out, dated: bool) -> None:
        key = "withdrawn" if dated else "undated_withdrawn"
        out.say(
            key if state.changed_on else key + "_nodate", std=edition.number, date=state.changed_on
        )
        for link, succ in state.successors:
            if succ is not None and succ.published and succ.published > self.on:
                continue
            out.warn("partly_replaced", new=link.number)

    def _superseded(self, edition: Edition, state: _State, out: _Out) -> dict:
        chain = self._follow(edition, state, out)
        direct = [
            (link, succ)
            for link, succ in state.successors
            if succ is None or self.state(succ).status != UNPUBLISHED
        ]
        direct_zh = _join([_link_label(link, "zh") for link, _s in direct], "zh")
        direct_en = _join([_link_label(link, "en") for link, _s in direct], "en")
        currents = chain.currents
        successor = None
        if currents:
            direct_numbers = {link.number for link, _s in direct}
            dates = {e.effective for e in currents}
            date_known = len(dates) == 1 and None not in dates
            suffix = "" if date_known else "_nodate"
            if all(e.number in direct_numbers for e in currents):
                partial = {link.number for link, _s in direct if link.partial}
                if all(e.number in partial for e in currents):
                    key, links = "superseded_partial", [Link(e.number) for e in currents]
                else:
                    key = "superseded"
                    links = [Link(e.number, e.number in partial) for e in currents]
                out.say(
                    key + suffix,
                    new=_join([_link_label(link, "zh") for link in links], "zh"),
                    new_en=_join([_link_label(link, "en") for link in links], "en"),
                    date=currents[0].effective,
                )
            else:
                numbers = [e.number for e in currents]
                out.say(
                    "superseded_chain" + suffix,
                    direct=direct_zh,
                    direct_en=direct_en,
                    new=_join(numbers, "zh"),
                    new_en=_join(numbers, "en"),
                    date=currents[0].effective,
                )
            for current in currents:
                found = self._outlook(current, self.state(current), out)
                successor = successor or found
        elif chain.upcoming:
            successor = chain.upcoming[0]
            if state.changed_on is None:
                # Ended only because the record says so, yet what replaces it is not in
                # force: one of the two records is out of date.
                out.problem(
                    _P["ended_before_successor"].format(number=edition.number, new=successor.number)
                )
            key = "superseded_upcoming" if successor.effective else "superseded_upcoming_nodate"
            out.say(
                key,
                direct=direct_zh,
                direct_en=direct_en,
                new=successor.number,
                date=successor.effective,
            )
        elif chain.dead:
            dead = chain.dead[0]
            end = self.state(dead).changed_on
            out.say(
                "superseded_dead" if end else "superseded_dead_nodate",
                direct=direct_zh,
                direct_en=direct_en,
                dead=dead.number,
                date=end,
            )
        elif chain.untracked:
            out.say(
                "superseded_untracked_chain",
                direct=direct_zh,
                direct_en=direct_en,
                dead=chain.untracked[0].number,
            )
        elif chain.missing:
            out.say(
                "superseded_missing",
                direct=direct_zh,
                direct_en=direct_en,
                missing=_join(chain.missing, "zh"),
                missing_en=_join(chain.missing, "en"),
            )
        elif direct:
            out.say("superseded_broken", direct=direct_zh, direct_en=direct_en)
        else:
            out.say("superseded_untracked")
            out.problem(_P["no_successor"].format(number=edition.number))
        return _fields(
            SUPERSEDED,
            edition,
            current=currents[0] if currents else None,
            others=tuple(currents[1:]),
            changed_on=state.changed_on,
            successor=successor,
        )

    def _follow(self, start: Edition, state: _State, out: _Out) -> _Chain:
        """Walk forward from an ended edition to the editions in force on the date.

        Depth first, each edition at most once, at most MAX_CHAIN editions; a link back
        into the path being walked is a cycle and is reported, not followed.
        """
        chain = _Chain()
        path = [start.number]
        on_path = {start.number}
        seen = {start.number}
        budget = [MAX_CHAIN]

        def walk(successors) -> None:
            for link, succ in successors:
                if link.number in on_path:
                    cycle = " → ".join([*path[path.index(link.number) :], link.number])
                    out.problem(_P["cycle"].format(cycle=cycle))
                    continue
                if link.number in seen:
                    continue
                seen.add(link.number)
                if succ is None:
                    chain.missing.append(link.number)
                    out.problem(_P["missing"].format(number=path[-1], missing=link.number))
                    continue
                if budget[0] <= 0:
                    out.problem(_P["too_long"].format(number=start.number, limit=MAX_CHAIN))
                    return
                budget[0] -= 1
                st = self.state(succ)
                out.note(st)
                if st.status == UNPUBLISHED:
                    continue
                if succ.placeholder and st.status not in _ENDED:
                    chain.missing.append(succ.number)
                elif st.status == CURRENT:
                    chain.currents.append(succ)
                elif st.status == UPCOMING:
                    chain.upcoming.append(succ)
                elif not st.successors:
                    if st.status == WITHDRAWN:
                        chain.dead.append(succ)
                    else:
                        chain.untracked.append(succ)
                        out.problem(_P["no_successor"].format(number=succ.number))
                else:
                    path.append(succ.number)
                    on_path.add(succ.number)
                    walk(st.successors)
                    on_path.discard(path.pop())

        walk(state.successors)
        if len(chain.currents) > 1:
            chain.currents.sort(key=lambda e: _natural(e.number))
        if len(chain.upcoming) > 1:
            chain.upcoming.sort(key=lambda e: (e.effective or date.max, _natural(e.number)))
        return chain

    def _outlook(self, edition: Edition, state: _State, out: _Out) -> Edition | None:
        """Warnings about what is coming for an edition in force; returns the published
        successor not yet in force, if any (a full one first, then the earliest)."""
        coming = []
        for link, succ in state.successors:
            if succ is None or succ.placeholder:
                continue
            st = self.state(succ)
            if st.status == UPCOMING:
                coming.append((link, succ))
            elif st.status == CURRENT:
                out.note(st)
                if link.partial:
                    key = "partial_in_force" if succ.effective else "partial_in_force_nodate"
                    out.warn(key, new=succ.number, date=succ.effective)
                elif edition.withdrawn is not None:
                    out.warn("successor_in_force_until", new=succ.number, end=edition.withdrawn)
                else:
                    out.warn("successor_in_force", new=succ.number)
                    out.problem(_P["both_current"].format(number=edition.number, new=succ.number))
        if len(coming) > 1:
            coming.sort(
                key=lambda p: (p[0].partial, p[1].effective or date.max, _natural(p[1].number))
            )
        for link, succ in coming:
            key = "next_partial" if link.partial else "next"
            out.warn(
                key if succ.effective else key + "_nodate", new=succ.number, date=succ.effective
            )
        if (
            edition.withdrawn is not None
            and edition.withdrawn > self.on
            and not any(not link.partial for link, _s in state.successors)
        ):
            out.warn("ends", date=edition.withdrawn)
        return coming[0][1] if coming else None

    def _say_next(self, key: str, successor: Edition, edition: Edition, out: _Out) -> None:
        partial = any(
            link.partial
            for link, _s in self.state(edition).successors
            if link.number == successor.number
        )
        if partial:
            key += "_partial"
        out.say(
            key if successor.effective else key + "_nodate",
            new=successor.number,
            date=successor.effective,
        )


class _Chain:
    """Where a walk along supersessions ended, as of the date."""

    __slots__ = ("currents", "upcoming", "dead", "untracked", "missing")

    def __init__(self):
        #: In force: where the walk stops.
        self.currents: list[Edition] = []
        #: Published successors not yet in force.
        self.upcoming: list[Edition] = []
        #: Successors withdrawn in turn.
        self.dead: list[Edition] = []
        #: Successors ended as superseded with no record of what replaced them.
        self.untracked: list[Edition] = []
        #: Numbers named by a link but not in the catalogue.
        self.missing: list[str] = []


def _fields(
    verdict: str,
    standard: Edition | None = None,
    *,
    current: Edition | None = None,
    others: tuple[Edition, ...] = (),
    changed_on: date | None = None,
    successor: Edition | None = None,
) -> dict:
    return {
        "verdict": verdict,
        "standard": standard,
        "current": current,
        "others": others,
        "changed_on": changed_on,
        "successor": successor,
    }


# -- helpers ---------------------------------------------------------------------------

_DIGITS = re.compile(r"(\d+)")


def _natural(number: str) -> tuple:
    """Sort key that orders numbers as people do: GB/T 2-2020 before GB/T 10-2020."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in _DIGITS.split(number) if p)


def _link_order(link: Link) -> tuple:
    return _natural(link.number)


def _edition_order(edition: Edition) -> tuple:
    """Later editions sort last: by number (its year), then dates."""
    return (
        _natural(edition.number),
        edition.effective or date.min,
        edition.published or date.min,
    )


def _sorted_numbers(editions: Sequence[Edition]) -> list[str]:
    if len(editions) == 1:
        return [editions[0].number]
    return sorted((e.number for e in editions), key=_natural)


def _join(items: Iterable[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _link_label(link: Link, lang: str) -> str:
    if not link.partial:
        return link.number
    return link.number + ("（部分）" if lang == "zh" else " (in part)")


def _as_date(on) -> date:
    return on.date() if isinstance(on, datetime) else on


# -- texts -----------------------------------------------------------------------------
# Templates filled with str.format (never f-strings), so they can move to a message
# catalogue unchanged. Message parts are joined with "；" / "; ".

#: Parts of the one-line message: (Chinese, English).
_M = {
    "malformed": ("{reason}", "Not a standard number: {input}"),
    "current": ("现行有效，可继续引用", "In force: the reference can stay as it is"),
    "current_next": (
        "现行有效；{new} 已发布，将于 {date} 实施，请提前准备",
        "In force; {new} has been published and takes effect on {date}: prepare to switch",
    ),
    "current_next_nodate": (
        "现行有效；{new} 已发布，尚未实施，请提前准备",
        "In force; {new} has been published but is not yet in force: prepare to switch",
    ),
    "current_next_partial": (
        "现行有效；部分代替本标准的 {new} 已发布，将于 {date} 实施，请提前准备",
        "In force; {new}, which replaces part of it, takes effect on {date}: prepare",
    ),
    "current_next_partial_nodate": (
        "现行有效；部分代替本标准的 {new} 已发布，尚未实施，请提前准备",
        "In force; {new}, which replaces part of it, has been published but is not yet in force",
    ),
    "undated_current": (
        "不注日期引用，适用现行版本 {std}（含其修改单）",
        "Undated reference: the edition in force, {std} (with its amendments), applies",
    ),
    "undated_next": (
        "{new} 将于 {date} 实施，届时适用新版",
        "{new} takes effect on {date} and applies from then",
    ),
    "undated_next_nodate": (
        "{new} 已发布，实施后适用新版",
        "{new} has been published and applies once in force",
    ),
    "undated_next_partial": (
        "部分代替它的 {new} 将于 {date} 实施",
        "{new}, which replaces part of it, takes effect on {date}",
    ),
    "undated_next_partial_nodate": (
        "部分代替它的 {new} 已发布，尚未实施",
        "{new}, which replaces part of it, has been published but is not yet in force",
    ),
    "superseded": (
        "已被 {new} 代替（{date} 实施），请改用现行版本",
        "Replaced by {new_en} (in force since {date}): cite the edition in force instead",
    ),
    "superseded_nodate": (
        "已被 {new} 代替，请改用现行版本",
        "Replaced by {new_en}: cite the edition in force instead",
    ),
    "superseded_partial": (
        "已被 {new} 部分代替（{date} 实施），请改用现行版本",
        "Partly replaced by {new_en} (in force since {date}): cite the edition in force instead",
    ),
    "superseded_partial_nodate": (
        "已被 {new} 部分代替，请改用现行版本",
        "Partly replaced by {new_en}: cite the edition in force instead",
    ),
    "superseded_chain": (
        "已被 {direct} 代替，现行版本为 {new}（{date} 实施），请改用",
        "Replaced by {direct_en}; the edition in force is {new_en} (since {date}): cite it instead",
    ),
    "superseded_chain_nodate": (
        "已被 {direct} 代替，现行版本为 {new}，请改用",
        "Replaced by {direct_en}; the edition in force is {new_en}: cite it instead",
    ),
    "superseded_upcoming": (
        "已被 {direct} 代替，{new} 将于 {date} 实施，目前没有现行版本，请关注其实施",
        "Replaced by {direct_en}; {new} takes effect on {date} and no edition is in force"
        " until then",
    ),
    "superseded_upcoming_nodate": (
        "已被 {direct} 代替，{new} 已发布但尚未实施，目前没有现行版本，请关注其实施",
        "Replaced by {direct_en}; {new} has been published but is not yet in force, and no"
        " edition is in force until then",
    ),
    "superseded_dead": (
        "已被 {direct} 代替，但 {dead} 也已于 {date} 废止，目前没有现行版本，请确认是否仍需引用",
        "Replaced by {direct_en}, but {dead} was withdrawn too on {date}: no edition is in"
        " force; check whether the reference is still needed",
    ),
    "superseded_dead_nodate": (
        "已被 {direct} 代替，但 {dead} 也已废止，目前没有现行版本，请确认是否仍需引用",
        "Replaced by {direct_en}, but {dead} was withdrawn too: no edition is in force;"
        " check whether the reference is still needed",
    ),
    "superseded_missing": (
        "已被 {direct} 代替，但标准目录中没有 {missing} 的记录，请核对现行版本",
        "Replaced by {direct_en}, but the catalogue has no record of {missing_en}:"
        " check which edition is in force",
    ),
    "superseded_untracked_chain": (
        "已被 {direct} 代替，但标准目录未记录代替 {dead} 的标准，请核对现行版本",
        "Replaced by {direct_en}, but the catalogue does not record what replaced {dead}:"
        " check which edition is in force",
    ),
    "superseded_broken": (
        "已被 {direct} 代替，但代替关系数据有误，无法确定现行版本，请核对",
        "Replaced by {direct_en}, but the supersession data is inconsistent: the edition in"
        " force cannot be determined",
    ),
    "superseded_untracked": (
        "已被代替，但标准目录未记录代替标准，请核对现行版本",
        "Replaced, but the catalogue does not record by what: check which edition is in force",
    ),
    "withdrawn": (
        "已于 {date} 废止，无代替标准，请删除该引用或改用其他适用标准",
        "Withdrawn on {date} with no replacement: remove the reference or cite another"
        " applicable standard",
    ),
    "withdrawn_nodate": (
        "已废止，无代替标准，请删除该引用或改用其他适用标准",
        "Withdrawn with no replacement: remove the reference or cite another applicable standard",
    ),
    "undated_withdrawn": (
        "该标准已废止（最后版本 {std} 于 {date} 废止），无代替标准，请删除该引用或改用其他适用标准",
        "Withdrawn (its last edition, {std}, on {date}) with no replacement: remove the"
        " reference or cite another applicable standard",
    ),
    "undated_withdrawn_nodate": (
        "该标准已废止（最后版本 {std}），无代替标准，请删除该引用或改用其他适用标准",
        "Withdrawn (its last edition is {std}) with no replacement: remove the reference or"
        " cite another applicable standard",
    ),
    "upcoming": ("尚未实施，将于 {date} 实施", "Not yet in force: takes effect on {date}"),
    "upcoming_nodate": ("已发布，尚未实施", "Published but not yet in force"),
    "undated_upcoming": (
        "{std} 尚未实施，将于 {date} 实施",
        "{std} is not yet in force: it takes effect on {date}",
    ),
    "undated_upcoming_nodate": (
        "{std} 已发布，尚未实施",
        "{std} has been published but is not yet in force",
    ),
    "meanwhile": ("在此之前请使用现行的 {old}", "until then use {old_en}, which is in force"),
    "meanwhile_none": ("在此之前没有现行版本", "no edition is in force until then"),
    "unknown": (
        "标准目录中没有 {number}，请核对编号",
        "{number} is not in the catalogue: check the number",
    ),
    "unknown_placeholder": (
        "标准目录中没有 {number} 的记录（仅从代替关系得知其编号），请核对编号",
        "The catalogue has no record of {number} (it is only named by a supersession):"
        " check the number",
    ),
    "unknown_series": (
        "标准目录中没有 {number} 的任何版本，请核对编号",
        "The catalogue has no edition of {number}: check the number",
    ),
    "unpublished": (
        "{number} 于 {date} 发布，{on} 时尚未发布",
        "{number} was published on {date}, after {on}",
    ),
    "undated_unpublished": (
        "{number} 在 {on} 时尚无已发布版本（{std} 于 {date} 发布）",
        "No edition of {number} had been published by {on} ({std} was published on {date})",
    ),
    "hint": ("该标准现行版本为 {hint}", "the edition in force is {hint_en}"),
    "hint_then": ("当时的现行版本为 {hint}", "the edition in force then was {hint_en}"),
}

#: English lines for a Verdict that came without one (built outside this module).
_FALLBACK_EN = {
    CURRENT: "In force: the reference can stay as it is",
    SUPERSEDED: "Replaced, and no edition is in force now",
    SUPERSEDED + "_current": "Replaced; the edition in force is {current}: cite it instead",
    WITHDRAWN: "Withdrawn with no replacement: remove the reference or cite another standard",
    UPCOMING: "Not yet in force",
    UPCOMING + "_current": "Not yet in force; until then use {current}",
    UNKNOWN: "{number} is not in the catalogue: check the number",
    MALFORMED: "Not a standard number: {input}",
}

#: Warnings: (Chinese, English).
_W = {
    "next": (
        "{new} 已发布，将于 {date} 实施",
        "{new} has been published and takes effect on {date}",
    ),
    "next_nodate": ("{new} 已发布，尚未实施", "{new} has been published but is not yet in force"),
    "next_partial": (
        "部分代替本标准的 {new} 已发布，将于 {date} 实施",
        "{new}, which replaces part of this standard, takes effect on {date}",
    ),
    "next_partial_nodate": (
        "部分代替本标准的 {new} 已发布，尚未实施",
        "{new}, which replaces part of this standard, has been published but is not yet in force",
    ),
    "partial_in_force": (
        "已被 {new} 部分代替（{date} 实施），相关内容以 {new} 为准",
        "Partly replaced by {new} (in force since {date}): for those parts follow {new}",
    ),
    "partial_in_force_nodate": (
        "已被 {new} 部分代替，相关内容以 {new} 为准",
        "Partly replaced by {new}: for those parts follow {new}",
    ),
    "successor_in_force_until": (
        "代替本标准的 {new} 已实施，本标准将于 {end} 停止有效，请尽快改用",
        "{new}, which replaces this standard, is in force; this one ceases on {end}: switch soon",
    ),
    "successor_in_force": (
        "代替本标准的 {new} 已实施，请核实本标准是否仍然有效",
        "{new}, which replaces this standard, is in force: check whether this one still is",
    ),
    "ends": ("本标准将于 {date} 废止", "This standard will be withdrawn on {date}"),
    "partly_replaced": ("部分内容已由 {new} 代替", "Part of it was replaced by {new}"),
}

#: Data problems, for the people who keep the catalogue right (Chinese only).
_P = {
    "status": "{number} 的记录状态“{status}”无法识别",
    "self": "{number} 的代替关系指向其自身，已忽略",
    "effective_before_published": "{number} 的实施日期 {effective} 早于发布日期 {published}",
    "ends_before_effective": "{number} 在实施（{effective}）之前即已停止有效（{end}）",
    "stale_current": "{number} 记录为现行或即将实施，但自 {end} 起已不再有效",
    "stale_upcoming": "{number} 记录为即将实施，但已于 {effective} 实施",
    "several_current": "{series} 同时有多个现行版本：{numbers}",
    "both_current": (
        "{number} 已被 {new} 代替且 {new} 已现行，但缺少实施或废止日期，"
        "无法判断 {number} 是否仍然有效"
    ),
    "ended_before_successor": "{number} 记录为已停止有效，但代替它的 {new} 尚未实施",
    "no_successor": "{number} 记录为被代替，但未记录代替它的标准",
    "cycle": "代替关系成环：{cycle}",
    "missing": "代替 {number} 的 {missing} 不在标准目录中",
    "too_long": "{number} 的代替链超过 {limit} 个版本，已停止追踪",
}
