"""The audit's steps as data (APIP practice: PKPT, surat tugas, fieldwork, notisi, LHA,
monitoring of follow-up within 60 days of the report)."""

from __future__ import annotations

from geo.accounts import ROLES
from geo.models import AUDIT_STATES
from geo.requests import Transition, Workflow, validate_workflow

INSPECTORS = frozenset({"inspektur", "admin"})
# days the audited office has to follow a finding up, counted from the LHA date
FOLLOWUP_DAYS = 60
# follow-up statuses that close a finding (the rest are open)
CLOSED = frozenset({"sesuai", "tidak_dapat_ditindaklanjuti"})
# audit states in which the office sees its findings
SHOWN_TO_OFFICE = frozenset({"notisi", "lha", "pemantauan", "selesai"})
# audit states in which follow-ups are entered and assessed
FOLLOW_UP_STATES = frozenset({"lha", "pemantauan"})
# audit states in which inspectors may still add or change findings
FINDINGS_OPEN = frozenset({"pemeriksaan", "notisi"})


def _step(name: str, source: str, target: str, *requires: str) -> Transition:
    return Transition(name, frozenset({source}), target, INSPECTORS, requires)


AUDIT_WORKFLOW = Workflow(
    type="audit",
    initial="direncanakan",
    states=AUDIT_STATES,
    final=frozenset({"selesai"}),
    transitions=(
        _step(
            "terbitkan_surat_tugas",
            "direncanakan",
            "surat_tugas",
            "surat_tugas_no",
            "surat_tugas_date",
            "inspectors",
        ),
        _step("mulai_pemeriksaan", "surat_tugas", "pemeriksaan"),
        _step("kirim_notisi", "pemeriksaan", "notisi"),
        _step("terbitkan_lha", "notisi", "lha", "lha_no", "lha_date"),
        _step("mulai_pemantauan", "lha", "pemantauan"),
        _step("selesai", "pemantauan", "selesai"),
    ),
    state_labels={
        "direncanakan": "Direncanakan",
        "surat_tugas": "Surat tugas terbit",
        "pemeriksaan": "Pemeriksaan lapangan",
        "notisi": "Notisi (tanggapan OPD)",
        "lha": "LHA terbit",
        "pemantauan": "Pemantauan tindak lanjut",
        "selesai": "Selesai",
    },
    transition_labels={
        "terbitkan_surat_tugas": "Terbitkan surat tugas",
        "mulai_pemeriksaan": "Mulai pemeriksaan",
        "kirim_notisi": "Kirim notisi ke OPD",
        "terbitkan_lha": "Terbitkan LHA",
        "mulai_pemantauan": "Mulai pemantauan",
        "selesai": "Selesaikan audit",
    },
)
validate_workflow(AUDIT_WORKFLOW, ROLES)
