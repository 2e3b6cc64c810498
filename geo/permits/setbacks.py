"""River setbacks (sempadan sungai) by river class: PP 38/2011 and Permen PUPR 28/2015.

Urban rivers without a levee: at least 10 m for a depth up to 3 m, 15 m for 3–20 m, 30 m above
20 m; with a levee at least 3 m from the levee's outer foot. An unknown depth counts as the
shallowest class (the smallest setback: the check then errs towards letting staff decide).
"""

from __future__ import annotations

# (deepest depth in metres of the class, setback in metres) for rivers without a levee
SETBACK_BY_DEPTH_M: tuple[tuple[float, float], ...] = ((3.0, 10.0), (20.0, 15.0))
SETBACK_DEEP_M = 30.0
SETBACK_LEVEE_M = 3.0


def river_setback_m(depth_m: float | None, has_levee: bool) -> float:
    """The setback of a river class in metres.

    Args:
        depth_m: The river's depth (None: unknown, the shallowest class).
        has_levee: Whether it runs between levees (the setback counts from the outer foot).
    """
    if has_levee:
        return SETBACK_LEVEE_M
    depth = 0.0 if depth_m is None else depth_m
    for deepest, setback in SETBACK_BY_DEPTH_M:
        if depth <= deepest:
            return setback
    return SETBACK_DEEP_M
