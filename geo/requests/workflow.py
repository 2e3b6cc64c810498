"""Workflows as data: the states of a request type, its transitions and who may take each."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from geo.errors import ConflictError, InvalidInputError


class IllegalTransitionError(ConflictError):
    """The transition cannot be taken from the request's status (HTTP 409); names the allowed."""

    code = "illegal-transition"
    title = "Illegal transition"

    def __init__(self, detail: str, allowed: list[str] | None = None) -> None:
        self.allowed = list(allowed or [])
        shown = ", ".join(self.allowed) or "none"
        super().__init__(detail, [{"field": "transition", "message": f"allowed: {shown}"}])


class TransitionFieldsError(InvalidInputError):
    """A transition lacks a field it requires (HTTP 422)."""

    code = "transition-fields-missing"
    title = "Missing fields for this step"


class WorkflowDefinitionError(ValueError):
    """A workflow definition is inconsistent (raised at start-up, never at request time)."""


@dataclass(frozen=True)
class Transition:
    """One step a role may take: from any of ``sources`` to ``target``.

    Attributes:
        name: Stable code used in the API (``verifikasi``).
        sources: States it can be taken from.
        target: The state it leads to.
        roles: Roles allowed to take it (``pemohon`` = the request's own submitter).
        requires: Fields the step needs (``public_note``, ``approved_amount_idr`` ...).
        opd: For ``opd_staff``, the OPD whose staff take this step (None: the OPD the request
            is routed to).
    """

    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    requires: tuple[str, ...] = ()
    opd: str | None = None


@dataclass(frozen=True)
class Workflow:
    """The state machine of one request type."""

    type: str
    initial: str
    states: tuple[str, ...]
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    deadlines_days: Mapping[str, int] = field(default_factory=dict)
    # the state whose entry starts the accountability-report clock (LPJ due 10 January of the
    # next year, Permendagri 32/2011 art. 19); None: the type has no such report
    report_due_after: str | None = None
    # Bahasa names of states and transitions for the staff workspace
    state_labels: Mapping[str, str] = field(default_factory=dict)
    transition_labels: Mapping[str, str] = field(default_factory=dict)

    def transition(self, name: str) -> Transition | None:
        """The transition called ``name``, if any."""
        return next((t for t in self.transitions if t.name == name), None)

    def available(self, status: str, roles: Collection[str]) -> list[Transition]:
        """Transitions from ``status`` that one of ``roles`` may take, in definition order."""
        return [t for t in self.transitions if status in t.sources and t.roles & frozenset(roles)]

    def take(
        self, status: str, name: str, roles: Collection[str], fields: Mapping[str, object]
    ) -> Transition:
        """Check that ``name`` may be taken now by ``roles`` with ``fields``; return it.

        Raises:
            IllegalTransitionError: Unknown here, not from ``status``, or not for these roles.
            TransitionFieldsError: A required field is missing or empty.
        """
        allowed = [t.name for t in self.available(status, roles)]
        step = self.transition(name)
        if step is None or status not in step.sources or not step.roles & frozenset(roles):
            shown = ", ".join(allowed) or "none"
            raise IllegalTransitionError(
                f"'{name}' cannot be taken from status '{status}'; allowed now: {shown}", allowed
            )
        missing = [f for f in step.requires if fields.get(f) in (None, "")]
        if missing:
            raise TransitionFieldsError(
                f"'{name}' needs: {', '.join(missing)}",
                [{"field": f, "message": "required for this step"} for f in missing],
            )
        return step


def validate_workflow(workflow: Workflow, known_roles: Iterable[str]) -> None:
    """Check a workflow once at start-up.

    Every state is reachable from the initial one, every non-final state has a way out, final
    states have none, transitions name known states and roles, names are unique.

    Raises:
        WorkflowDefinitionError: Listing every problem found.
    """
    problems: list[str] = []
    states = set(workflow.states)
    roles = set(known_roles) | {"pemohon"}
    if workflow.initial not in states:
        problems.append(f"initial state {workflow.initial!r} is not a state")
    if not workflow.final <= states:
        problems.append(f"final states {sorted(workflow.final - states)} are not states")
    names = [t.name for t in workflow.transitions]
    if len(names) != len(set(names)):
        problems.append("transition names repeat")
    for t in workflow.transitions:
        if not t.sources <= states or t.target not in states:
            problems.append(f"transition {t.name!r} names unknown states")
        if not t.roles or not t.roles <= roles:
            problems.append(f"transition {t.name!r} names unknown roles {sorted(t.roles - roles)}")
        if t.sources & workflow.final:
            problems.append(f"transition {t.name!r} leaves a final state")
    problems += _data_problems(workflow, states)
    for state in states - workflow.final:
        if not any(state in t.sources for t in workflow.transitions):
            problems.append(f"state {state!r} is a dead end (not final, no way out)")
    reached = {workflow.initial}
    frontier = [workflow.initial]
    while frontier:
        here = frontier.pop()
        for t in workflow.transitions:
            if here in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    if states - reached:
        problems.append(f"states never reached: {sorted(states - reached)}")
    if problems:
        raise WorkflowDefinitionError(f"workflow {workflow.type!r}: " + "; ".join(problems))


def _data_problems(workflow: Workflow, states: set[str]) -> list[str]:
    """Deadlines and labels name known, non-final states and known transitions."""
    problems = []
    for state, days in workflow.deadlines_days.items():
        if state not in states or state in workflow.final:
            problems.append(f"deadline for {state!r}, which is not an open state")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            problems.append(f"deadline of {state!r} must be a whole number of days >= 1")
    report = workflow.report_due_after
    if report is not None and (report not in states or report in workflow.final):
        problems.append(f"report_due_after {report!r} is not an open state")
    if report is not None and report in workflow.deadlines_days:
        problems.append(f"state {report!r} has both a deadline in days and the report deadline")
    unknown_states = sorted(set(workflow.state_labels) - states)
    if unknown_states:
        problems.append(f"labels for unknown states {unknown_states}")
    names = {t.name for t in workflow.transitions}
    unknown_steps = sorted(set(workflow.transition_labels) - names)
    if unknown_steps:
        problems.append(f"labels for unknown transitions {unknown_steps}")
    return problems
