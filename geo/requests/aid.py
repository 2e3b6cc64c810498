"""e-sabakota (type ``bantuan``): the grant and social-aid workflow of Kota Tangerang, as data.

Perwal 21/2018 (as amended) after Permendagri 32/2011 / 77/2020: the assigned office (Bagian
Kesra) checks documents and evaluates, TAPD recommends to the mayor, the nominated list (DNPH)
fixes the amount, the grant agreement (NPHD) is signed, BPKAD pays, the recipient reports (LPJ).
"""

from __future__ import annotations

from geo.models import ROLES
from geo.requests.workflow import Transition, Workflow, validate_workflow

KESRA, TAPD, BPKAD = "KESRA", "TAPD", "BPKAD"
STAFF = frozenset({"opd_staff"})
# the documents a proposal must carry (slot -> what the form calls it); Perwal 21/2018
AID_DOCUMENTS = {
    "proposal": "Proposal",
    "surat_pernyataan": "Surat pernyataan tanggung jawab",
    "sk_kepengurusan": "SK kepengurusan",
    "akta_notaris": "Akta notaris",
    "npwp": "NPWP",
    "domisili": "Surat keterangan domisili dari kelurahan",
    "ktp_ketua": "KTP ketua",
    "ktp_sekretaris": "KTP sekretaris",
}
# asked for where the activity needs one (a school, a clinic)
AID_OPTIONAL_DOCUMENTS = {"izin_operasional": "Izin operasional"}
SUBMITTER = frozenset({"pemohon"})


def _t(
    name: str,
    sources: set[str],
    target: str,
    roles: frozenset[str],
    *,
    requires: tuple[str, ...] = (),
    opd: str | None = None,
) -> Transition:
    return Transition(name, frozenset(sources), target, roles, requires, opd)


AID_WORKFLOW = Workflow(
    type="bantuan",
    initial="diajukan",
    states=(
        "diajukan",
        "verifikasi_dokumen",
        "perlu_perbaikan",
        "evaluasi",
        "rekomendasi",
        "ditetapkan",
        "ditolak",
        "nphd",
        "dicairkan",
        "lpj",
        "selesai",
    ),
    final=frozenset({"ditolak", "selesai"}),
    transitions=(
        _t("mulai_verifikasi", {"diajukan"}, "verifikasi_dokumen", STAFF, opd=KESRA),
        _t(
            "minta_perbaikan",
            {"verifikasi_dokumen", "evaluasi"},
            "perlu_perbaikan",
            STAFF,
            requires=("public_note",),
            opd=KESRA,
        ),
        _t("ajukan_ulang", {"perlu_perbaikan"}, "verifikasi_dokumen", SUBMITTER),
        _t("lolos_verifikasi", {"verifikasi_dokumen"}, "evaluasi", STAFF, opd=KESRA),
        _t(
            "selesai_evaluasi",
            {"evaluasi"},
            "rekomendasi",
            STAFF,
            requires=("berita_acara",),
            opd=KESRA,
        ),
        _t(
            "tetapkan",
            {"rekomendasi"},
            "ditetapkan",
            STAFF | {"admin_kota"},
            requires=("approved_amount_idr",),
            opd=TAPD,
        ),
        _t(
            "tolak",
            {"verifikasi_dokumen", "evaluasi", "rekomendasi"},
            "ditolak",
            STAFF | {"admin_kota"},
            requires=("public_note",),
        ),
        _t("tandatangani_nphd", {"ditetapkan"}, "nphd", STAFF, opd=KESRA),
        _t("cairkan", {"nphd"}, "dicairkan", STAFF, opd=BPKAD),
        _t("unggah_lpj", {"dicairkan"}, "lpj", SUBMITTER | STAFF, requires=("lpj",), opd=KESRA),
        _t("selesaikan", {"lpj"}, "selesai", STAFF, opd=KESRA),
    ),
    # days a step may take before it is marked overdue in the staff workspace
    deadlines_days={
        "diajukan": 3,
        "verifikasi_dokumen": 14,
        "perlu_perbaikan": 30,
        "evaluasi": 30,
        "rekomendasi": 14,
        "ditetapkan": 30,
        "nphd": 30,
    },
    # once paid, the LPJ is due 10 January of the next year (Permendagri 32/2011 art. 19)
    report_due_after="dicairkan",
    state_labels={
        "diajukan": "Diajukan",
        "verifikasi_dokumen": "Verifikasi dokumen",
        "perlu_perbaikan": "Perlu perbaikan",
        "evaluasi": "Evaluasi",
        "rekomendasi": "Rekomendasi TAPD",
        "ditetapkan": "Ditetapkan (DNPH)",
        "ditolak": "Ditolak",
        "nphd": "NPHD ditandatangani",
        "dicairkan": "Dicairkan",
        "lpj": "LPJ diunggah",
        "selesai": "Selesai",
    },
    transition_labels={
        "mulai_verifikasi": "Mulai verifikasi dokumen",
        "minta_perbaikan": "Minta perbaikan",
        "ajukan_ulang": "Ajukan ulang",
        "lolos_verifikasi": "Lolos verifikasi",
        "selesai_evaluasi": "Selesai evaluasi",
        "tetapkan": "Tetapkan",
        "tolak": "Tolak",
        "tandatangani_nphd": "Tandatangani NPHD",
        "cairkan": "Cairkan",
        "unggah_lpj": "Unggah LPJ",
        "selesaikan": "Selesaikan",
    },
)
# checked once when the wing is loaded (start-up): a broken definition never serves a request
validate_workflow(AID_WORKFLOW, ROLES)
