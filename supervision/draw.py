"""双随机 draws: random declarations and random inspectors (no Django imports).

``draw`` is a pure function of its inputs: the same seed and the same pools give the
same result on any machine and any Python 3 (``random.Random(seed)`` is specified to be
reproducible for a given seed, and the inputs are sorted before use, so the order in
which the database returned them does not matter).

How the declarations are drawn: every enterprise in the pool (after the exclusions) has
the same chance, whatever the number of declarations it published; for each enterprise
drawn one of its declarations is then drawn. So no enterprise is drawn twice.
"""

import hashlib
import json
import random
from collections.abc import Iterable

__all__ = ["draw", "pool_digest"]


def draw(
    seed: int,
    declarations: Iterable[tuple[int, int]],
    inspectors: Iterable[int],
    n: int,
    m: int,
    excluded_enterprises: Iterable[int] = (),
) -> tuple[list[int], list[int]]:
    """(chosen declaration ids, chosen inspector ids), each in the order drawn.

    ``declarations`` are ``(declaration id, enterprise id)`` pairs; those of excluded
    enterprises (drawn in the last three years) never come out. At most ``n``
    declarations (one per enterprise) and ``m`` inspectors are drawn; fewer when the
    pools are smaller."""
    if n < 0 or m < 0:
        raise ValueError("n and m must not be negative")
    excluded = {int(e) for e in excluded_enterprises}
    by_enterprise: dict[int, list[int]] = {}
    for declaration_id, enterprise_id in sorted({(int(d), int(e)) for d, e in declarations}):
        if enterprise_id not in excluded:
            by_enterprise.setdefault(enterprise_id, []).append(declaration_id)
    # Reproducibility is the point, not secrecy: the seed is published with the draw.
    rng = random.Random(int(seed))  # noqa: S311
    enterprises = sorted(by_enterprise)
    chosen_enterprises = rng.sample(enterprises, min(n, len(enterprises)))
    chosen_declarations = [rng.choice(by_enterprise[e]) for e in chosen_enterprises]
    people = sorted({int(i) for i in inspectors})
    chosen_inspectors = rng.sample(people, min(m, len(people)))
    return chosen_declarations, chosen_inspectors


def pool_digest(
    declarations: Iterable[tuple[int, int]],
    inspectors: Iterable[int],
    excluded_enterprises: Iterable[int],
) -> str:
    """SHA-256 of the normalized inputs: two draws with the same digest and seed drew from
    the same pools."""
    canonical = {
        "declarations": sorted([int(d), int(e)] for d, e in set(map(tuple, declarations))),
        "inspectors": sorted({int(i) for i in inspectors}),
        "excluded": sorted({int(e) for e in excluded_enterprises}),
    }
    text = json.dumps(canonical, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
