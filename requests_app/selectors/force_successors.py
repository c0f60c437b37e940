"""Forces as they are now: a force no longer active is followed to the active force that lists
its name as a former name (a merger, or a force re-created under a new name). Used by running a
campaign again (the forces to ask) and by the series (a merged force's earlier figures belong
to the force it joined)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from requests_app.force_names import core, normalise
from requests_app.models import Force, ForceAlias

# --- forces ----------------------------------------------------------------------------------


@dataclass
class FollowedForces:
    forces: list[Force]
    # (force as asked before, the force it is now) for forces that merged or were replaced.
    followed: list[tuple[Force, Force]] = field(default_factory=list)
    # Forces no longer active that no active force names as a former name.
    dropped: list[Force] = field(default_factory=list)


def successors(forces: Iterable[Force]) -> dict[int, Force]:
    """For each force no longer active: the active force that lists its name (or short name)
    as a former name, if one does (a merger, or a force re-created under a new name). Active
    forces map to themselves. One query (none when every force is active).

    A force renamed in place (Hampshire Constabulary -> Hampshire and Isle of Wight
    Constabulary) is the same row and needs no following."""
    forces = list(forces)
    result = {f.pk: f for f in forces if f.active}
    if len(result) == len(forces):
        return result
    by_former: dict[str, Force] = {}
    for alias in ForceAlias.objects.filter(is_former_name=True, force__active=True).select_related(
        "force"
    ):
        for key in (normalise(alias.name), core(alias.name)):
            if key:
                by_former.setdefault(key, alias.force)
    for force in forces:
        if force.active:
            continue
        for name in (force.name, force.short_name):
            match = by_former.get(normalise(name)) or by_former.get(core(name))
            if match is not None:
                result[force.pk] = match
                break
    return result


def follow_forces(forces: Iterable[Force]) -> FollowedForces:
    forces = sorted(set(forces), key=lambda f: f.name)
    now = successors(forces)
    result = FollowedForces(forces=[])
    seen: set[int] = set()
    for force in forces:
        current = now.get(force.pk)
        if current is None:
            result.dropped.append(force)
            continue
        if current.pk != force.pk:
            result.followed.append((force, current))
        if current.pk not in seen:
            seen.add(current.pk)
            result.forces.append(current)
    return result
