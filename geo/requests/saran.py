"""Citizens' transport suggestions to Dishub (type ``saran_transport``): kinds and workflow.

"Butuh angkot dari sini ke sana", "angkot sering ngetem di sini": a point or a line from -> to
with a note, anonymous allowed, routed to Dinas Perhubungan, shown to planners in the route
editor. A short workflow: received -> reviewed -> followed up | rejected, each end with a public
note the citizen reads on the tracking page.
"""

from __future__ import annotations

from geo.models import ROLES
from geo.requests.workflow import Transition, Workflow, validate_workflow

SARAN = "saran_transport"
DISHUB = "DISHUB"
# the kinds of suggestion (code -> what the form calls it, Bahasa Indonesia)
SARAN_KINDS = {
    "butuh_trayek": "Butuh angkot dari sini ke sana",
    "ngetem": "Angkot sering ngetem di sini",
    "halte": "Usulan halte / tempat naik-turun",
    "lainnya": "Lainnya",
}
SARAN_KINDS_EN = {
    "butuh_trayek": "Need an angkot from here to there",
    "ngetem": "Angkot often wait here for passengers",
    "halte": "Stop / pick-up point suggestion",
    "lainnya": "Other",
}
# the roles that handle every suggestion of their city (and no request of another type);
# opd_staff of the OPD a suggestion is routed to (DISHUB) and city admins handle them too
SARAN_HANDLERS = frozenset({"dishub", "dishub_reviewer"})
_STAFF = SARAN_HANDLERS | {"opd_staff", "admin_kota"}


def _t(name: str, sources: set[str], target: str, *, requires: tuple[str, ...] = ()) -> Transition:
    return Transition(name, frozenset(sources), target, _STAFF, requires)


SARAN_WORKFLOW = Workflow(
    type=SARAN,
    initial="diterima",
    states=("diterima", "ditinjau", "ditindaklanjuti", "ditolak"),
    final=frozenset({"ditindaklanjuti", "ditolak"}),
    transitions=(
        _t("tinjau", {"diterima"}, "ditinjau"),
        _t("tindak_lanjuti", {"ditinjau"}, "ditindaklanjuti", requires=("public_note",)),
        _t("tolak", {"diterima", "ditinjau"}, "ditolak", requires=("public_note",)),
    ),
    deadlines_days={"diterima": 14, "ditinjau": 60},
    state_labels={
        "diterima": "Diterima",
        "ditinjau": "Ditinjau",
        "ditindaklanjuti": "Ditindaklanjuti",
        "ditolak": "Ditolak",
    },
    transition_labels={
        "tinjau": "Tinjau",
        "tindak_lanjuti": "Tindak lanjuti",
        "tolak": "Tolak",
    },
)
# checked once when the wing is loaded (start-up), as the aid workflow
validate_workflow(SARAN_WORKFLOW, ROLES)
