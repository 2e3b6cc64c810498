"""The one permission matrix: which roles may perform each action, and in which scope.

Read by every door (``geo.accounts.access.authorize``, the HTTP dependency, the CLI); the
Principal is in ``geo.accounts.identity``, the rule shape and its check in
``geo.accounts.rules``.
"""

from __future__ import annotations

from collections.abc import Mapping

from geo.accounts.rules import Rule, checked_matrix


class UnknownActionError(LookupError):
    """Code named an action the permission matrix does not have (a programming error).

    Not a GeoError on purpose: it is a bug, so the HTTP door answers 500 without details.
    """


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


PERMISSIONS: Mapping[str, Rule] = checked_matrix(_MATRIX)


def rule_of(action: str) -> Rule:
    """The rule of ``action``.

    Raises:
        UnknownActionError: The matrix has no such action.
    """
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise UnknownActionError(f"no rule for action {action!r}") from None
