"""Who may do what: the Principal, its grants, the one permission matrix (role × action × scope)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from geo.errors import AuthenticationRequiredError, PermissionDeniedError
from geo.models import ROLES

SCOPES = ("none", "city", "opd", "kecamatan")
VIAS = ("anonymous", "session", "token", "cli")


class UnknownActionError(LookupError):
    """Code named an action the permission matrix does not have (a programming error).

    Not a GeoError on purpose: it is a bug, so the HTTP door answers 500 without details.
    """


@dataclass(frozen=True)
class Grant:
    """One role of a user with its optional scope.

    Attributes:
        role: One of ``ROLES``.
        opd: OPD code the role is limited to (``opd_staff``); None: no OPD limit.
        kecamatan: Kecamatan code the role is limited to; None: the whole city.
        npsn: The school (Dapodik NPSN) a ``sekolah`` grant acts for; None for other roles.
    """

    role: str
    opd: str | None = None
    kecamatan: str | None = None
    npsn: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: anonymous, a user (by session or API token), or the command line.

    Attributes:
        user_id: The user's id; None for anonymous and for the command line.
        username: The username; ``"anonymous"``, or ``"cli:<os user>"`` for the command line.
        display_name: The name to show.
        city_id: The user's city; None for anonymous and for deployment administrators.
        grants: The user's roles with their scopes.
        via: How the caller authenticated: ``session``, ``token``, ``cli`` or ``anonymous``.
        scopes: The actions an API token is limited to; None: no limit beyond the roles.
    """

    user_id: int | None
    username: str
    display_name: str
    city_id: int | None
    grants: tuple[Grant, ...] = ()
    via: str = "anonymous"
    scopes: frozenset[str] | None = None

    @property
    def is_anonymous(self) -> bool:
        """Whether nobody is logged in (the command line is not anonymous)."""
        return self.user_id is None and self.via != "cli"

    def roles(self) -> frozenset[str]:
        """The names of the principal's roles."""
        return frozenset(g.role for g in self.grants)

    @property
    def is_deployment_admin(self) -> bool:
        """Whether the principal administers the whole deployment (no city, role ``admin``)."""
        return not self.is_anonymous and self.city_id is None and "admin" in self.roles()


ANONYMOUS = Principal(user_id=None, username="anonymous", display_name="Anonim", city_id=None)


def cli_principal(os_user: str) -> Principal:
    """The principal of the ``tpo`` command line: a deployment administrator ``cli:<os user>``.

    Args:
        os_user: The operating-system user running the command.

    Returns:
        A principal with role ``admin`` and no city, ``via="cli"``.
    """
    name = f"cli:{os_user}"[:64]
    return Principal(
        user_id=None,
        username=name,
        display_name=name,
        city_id=None,
        grants=(Grant("admin"),),
        via="cli",
    )


@dataclass(frozen=True)
class Rule:
    """Who may perform one action.

    Attributes:
        roles: The roles allowed; None: anyone, anonymous included.
        scope: ``none``; ``city`` (the user's city must be the object's city; deployment
            administrators pass); ``opd`` (as city, and a grant limited to an OPD must name the
            object's OPD, a grant limited to a kecamatan the object's kecamatan); ``kecamatan``
            (as city, and a grant limited to a kecamatan must name the object's kecamatan).
    """

    roles: frozenset[str] | None
    scope: str = "none"


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


ANYONE = Rule(roles=None)
STAFF = _roles("dishub", "dishub_reviewer", "opd_staff", "inspektur", "admin_kota", "admin")
ADMINS = _roles("admin_kota", "admin")

_MATRIX: dict[str, Rule] = {
    # public reads of the map and the citizens' services
    "cities.read": ANYONE,
    "layers.read": ANYONE,
    "trips.plan": ANYONE,
    "places.search": ANYONE,
    "schools.read": ANYONE,
    "routes.read": ANYONE,
    "service.health": ANYONE,
    # the exact server builds behind /health: deployment administrators only
    "service.health_detail": Rule(_roles("admin")),
    "service.config": ANYONE,
    # map reports per kelurahan/kecamatan: public ones for anyone (counts under 5 as "< 5");
    # callers allowed requests.read get the full counts and the request points
    "reports.read": ANYONE,
    # accounts
    "auth.login": ANYONE,
    "auth.logout": ANYONE,
    "auth.me": ANYONE,
    "audit.read": Rule(ADMINS, "city"),
    "users.manage": Rule(ADMINS, "city"),
    "tokens.manage": Rule(ADMINS, "city"),
    # layers holding rows of OPDs (requests by kelurahan): staff, limited to their OPD
    # (not Dishub's roles: the rows' scope has no type, and they read only suggestions, which
    # the route editor lists through routes.edit)
    "layers.read_restricted": Rule(_roles("opd_staff", "inspektur", "admin_kota", "admin"), "opd"),
    "cities.manage": Rule(_roles("admin")),
    # service requests (next issue): citizens submit and track; OPD staff handle their own
    "requests.submit": ANYONE,
    "requests.track": ANYONE,
    # the citizen's form: the catalogue of services, the similar-nearby hint, the public
    # transparency list of aid proposals (organisations, not people); a warga's own requests
    "requests.services": ANYONE,
    "requests.nearby": ANYONE,
    "requests.proposals": ANYONE,
    "requests.own": Rule(_roles("warga", "admin")),
    # role sekolah: a school's staff, for the school transfers naming their school only;
    # Dishub's roles read and handle the requests of the types naming them as handlers
    # (saran_transport) and no other: geo/requests/queries.visibility and steps apply it
    "requests.read": Rule(
        _roles(
            "dishub", "dishub_reviewer", "opd_staff", "inspektur", "sekolah", "admin_kota", "admin"
        ),
        "opd",
    ),
    "requests.read_personal": Rule(_roles("opd_staff", "sekolah", "admin_kota", "admin"), "opd"),
    "requests.update": Rule(
        _roles("dishub", "dishub_reviewer", "opd_staff", "sekolah", "admin_kota", "admin"), "opd"
    ),
    # a workflow step: the door lets in accounts that may take some step (the submitter's own
    # steps, staff steps); which step on which request is the workflow's and the OPD's rule
    "requests.step": Rule(
        _roles("warga", "dishub", "dishub_reviewer", "opd_staff", "sekolah", "admin_kota", "admin"),
        "city",
    ),
    # school transfers: the figures of a target school and the nearest alternatives (public)
    "transfers.preview": ANYONE,
    # the route editor: Dishub planners draft, reviewers publish
    "routes.edit": Rule(_roles("dishub", "dishub_reviewer", "admin"), "city"),
    "routes.review": Rule(_roles("dishub_reviewer", "admin"), "city"),
    "routes.publish": Rule(_roles("dishub_reviewer", "admin"), "city"),
    # the inspectorate's audit sites and findings
    "audits.read": Rule(_roles("inspektur", "admin_kota", "admin"), "city"),
    "audits.edit": Rule(_roles("inspektur", "admin"), "city"),
    # findings as the audited office sees them (its own OPD's, from the notisi on) and as the
    # inspectorate does; the office answers the notisi and enters its follow-up
    "audits.findings": Rule(_roles("opd_staff", "inspektur", "admin_kota", "admin"), "opd"),
    "audits.respond": Rule(_roles("opd_staff", "admin"), "opd"),
    # the city's inspectors (names, ids) for the surat tugas: those who issue it
    "audits.inspectors": Rule(_roles("inspektur", "admin"), "city"),
    # permits: anyone pre-checks a parcel (a draft, nothing written); the staff handling an
    # application (DPMPTSP, city admins: the request's visibility decides) re-run its check
    "permits.precheck": ANYONE,
    "permits.check": Rule(_roles("opd_staff", "admin_kota", "admin"), "city"),
}


def matrix_problems(rules: Mapping[str, Rule]) -> list[str]:
    """Check a permission matrix: dotted action names, known roles and scopes.

    Args:
        rules: Action -> rule.

    Returns:
        One sentence per problem; empty when the matrix is sound.
    """
    problems = []
    for action, rule in rules.items():
        head, dot, tail = action.partition(".")
        if not (head and dot and tail):
            problems.append(f"action {action!r} is not dotted (area.verb)")
        if rule.scope not in SCOPES:
            problems.append(f"{action}: unknown scope {rule.scope!r}")
        if rule.roles is not None:
            if not rule.roles:
                problems.append(f"{action}: an empty role set allows nobody")
            unknown = sorted(rule.roles - set(ROLES))
            if unknown:
                problems.append(f"{action}: unknown roles {unknown}")
        if rule.roles is None and rule.scope != "none":
            problems.append(f"{action}: a rule open to anyone has no scope")
    return problems


def _checked(rules: dict[str, Rule]) -> Mapping[str, Rule]:
    problems = matrix_problems(rules)
    if problems:
        raise ValueError("; ".join(problems))
    return MappingProxyType(rules)


PERMISSIONS: Mapping[str, Rule] = _checked(_MATRIX)


def rule_of(action: str) -> Rule:
    """The rule of ``action``.

    Raises:
        UnknownActionError: The matrix has no such action.
    """
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise UnknownActionError(f"no rule for action {action!r}") from None


def _city_passes(principal: Principal, city_id: int | None) -> bool:
    if city_id is None:
        return True
    if principal.city_id is None:
        return principal.is_deployment_admin
    return principal.city_id == city_id


def _grant_passes(g: Grant, scope: str, opd: str | None, kecamatan: str | None) -> bool:
    if g.npsn is not None and scope in ("opd", "kecamatan") and (opd or kecamatan):
        return False  # a school's staff act for their school, never for an OPD's or area's rows
    if scope == "opd" and g.opd is not None and opd is not None and g.opd != opd:
        return False
    return not (
        scope in ("opd", "kecamatan")
        and g.kecamatan is not None
        and kecamatan is not None
        and g.kecamatan != kecamatan
    )


def _matching_grants(principal: Principal, rule: Rule) -> list[Grant]:
    assert rule.roles is not None
    return [g for g in principal.grants if g.role in rule.roles]


def authorize(
    principal: Principal,
    action: str,
    *,
    city_id: int | None = None,
    opd: str | None = None,
    kecamatan: str | None = None,
) -> None:
    """Check that ``principal`` may perform ``action`` on an object of the given scope.

    Scope values left as None are not checked: a door that does not know the object yet
    calls this once with the role only and again with the object's city (and OPD).

    Args:
        principal: The caller.
        action: A dotted action of ``PERMISSIONS``.
        city_id: The object's city (checked by rules of scope city, opd and kecamatan).
        opd: The object's OPD code (checked by rules of scope opd).
        kecamatan: The object's kecamatan code (checked by rules of scope opd and kecamatan).

    Raises:
        UnknownActionError: ``action`` is not in the matrix (a programming error).
        AuthenticationRequiredError: The rule names roles and the caller is anonymous.
        PermissionDeniedError: Wrong role, another city, another OPD or kecamatan, or an API
            token whose scopes leave the action out.
    """
    rule = rule_of(action)
    if rule.roles is None:
        return
    if principal.is_anonymous:
        raise AuthenticationRequiredError(f"{action} needs a logged-in user")
    grants = _matching_grants(principal, rule)
    if not grants:
        raise PermissionDeniedError(f"none of the user's roles may perform {action}")
    if principal.scopes is not None and action not in principal.scopes:
        raise PermissionDeniedError(f"this API token is not allowed to perform {action}")
    if rule.scope == "none":
        return
    if not _city_passes(principal, city_id):
        raise PermissionDeniedError(f"{action}: the object belongs to another city")
    if rule.scope == "city":
        return
    if not any(_grant_passes(g, rule.scope, opd, kecamatan) for g in grants):
        if rule.scope == "opd" and not any(_grant_passes(g, "opd", opd, None) for g in grants):
            raise PermissionDeniedError(f"{action}: the object belongs to another OPD")
        raise PermissionDeniedError(f"{action}: the object lies in another kecamatan")


def allowed(principal: Principal, action: str, **scope: Any) -> bool:
    """Whether :func:`authorize` would let ``principal`` perform ``action`` (same arguments).

    Raises:
        UnknownActionError: ``action`` is not in the matrix.
    """
    try:
        authorize(principal, action, **scope)
    except (AuthenticationRequiredError, PermissionDeniedError):
        return False
    return True


@dataclass(frozen=True)
class RowScope:
    """Which rows of a restricted layer a principal sees, within one city.

    Attributes:
        opd: The OPD codes whose rows are visible; None: every OPD.
        kecamatan: The kecamatan codes whose rows are visible; None: every kecamatan.
        types: Row types visible whatever their OPD (layers with a type column: the request
            types an OPD takes steps of, or a type-limited role handles); empty: none.

    A layer's predicate is ``(:opd IS NULL OR opd_code = ANY(:opd) [OR type = ANY(:types)])
    AND (:kecamatan IS NULL OR kecamatan_code = ANY(:kecamatan))`` with :meth:`params`. Grants
    limited in both ways are combined per dimension (OPD codes with OPD codes, kecamatan with
    kecamatan).
    """

    opd: tuple[str, ...] | None = None
    kecamatan: tuple[str, ...] | None = None
    types: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A stable string for ETags and cache keys, e.g. ``opd=DISHUB;kec=*``."""

        def part(codes: tuple[str, ...] | None) -> str:
            return "*" if codes is None else ",".join(codes)

        key = f"opd={part(self.opd)};kec={part(self.kecamatan)}"
        return key + (f";types={','.join(self.types)}" if self.types else "")

    @property
    def is_all(self) -> bool:
        """Whether every row of the city is visible."""
        return self.opd is None and self.kecamatan is None

    def params(self) -> dict[str, list[str] | None]:
        """Bound-parameter values of the layer predicate (``opd``, ``kecamatan``, ``types``)."""
        return {
            "opd": None if self.opd is None else list(self.opd),
            "kecamatan": None if self.kecamatan is None else list(self.kecamatan),
            "types": list(self.types),
        }


def _codes(values: Iterable[str | None]) -> tuple[str, ...] | None:
    collected = list(values)
    if any(v is None for v in collected):
        return None
    return tuple(sorted({v for v in collected if v is not None}))


def row_scope(principal: Principal, action: str, city_id: int) -> RowScope:
    """The rows of city ``city_id`` that ``principal`` may see under ``action``.

    Args:
        principal: The caller.
        action: A dotted action of ``PERMISSIONS`` (e.g. ``layers.read_restricted``).
        city_id: The city of the layer.

    Returns:
        A :class:`RowScope`; every row when the rule has no OPD or kecamatan scope or a grant
        of the principal is not limited.

    Raises:
        UnknownActionError, AuthenticationRequiredError, PermissionDeniedError: As
            :func:`authorize` for the city.
    """
    authorize(principal, action, city_id=city_id)
    rule = rule_of(action)
    if rule.roles is None or rule.scope in ("none", "city"):
        return RowScope()
    every = _matching_grants(principal, rule)
    # a school's grant sees its transfers through the request core only, no layer rows
    grants = [g for g in every if g.npsn is None]
    if not grants:
        return RowScope(opd=(), kecamatan=())
    opd = _codes(g.opd for g in grants) if rule.scope == "opd" else None
    return RowScope(opd=opd, kecamatan=_codes(g.kecamatan for g in grants))
