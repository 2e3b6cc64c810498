"""The request core's pure rules: tracking codes, NIK structure and masking, workflows as data."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

import pytest

from geo.requests.aid import AID_WORKFLOW
from geo.requests.codes import ALPHABET, check_char, new_code, normalise_code
from geo.requests.nik import mask_nik, parse_nik
from geo.requests.workflow import (
    IllegalTransitionError,
    Transition,
    TransitionFieldsError,
    WorkflowDefinitionError,
    validate_workflow,
)

ROLES = ("warga", "dishub", "dishub_reviewer", "opd_staff", "inspektur", "admin_kota", "admin")


# -- tracking codes ------------------------------------------------------------------------------
def test_codes_look_right_and_carry_60_bits_or_more() -> None:
    codes = {new_code("SBK") for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        prefix, *groups = code.split("-")
        assert prefix == "SBK"
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert not set("".join(groups)) & set("01OI")
        assert normalise_code(code) == code
    assert (len(ALPHABET) ** 15).bit_length() - 1 >= 60


def test_typed_codes_are_normalised() -> None:
    code = new_code("SBK")
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code(" " + code.replace("-", "") + " ") == code


def test_every_single_symbol_error_is_caught() -> None:
    rng = random.Random(7)
    for _ in range(100):
        code = new_code("SBK")
        symbols = code.replace("-", "")[3:]
        pos = rng.randrange(len(symbols))
        for other in ALPHABET:
            if other == symbols[pos]:
                continue
            wrong = symbols[:pos] + other + symbols[pos + 1 :]
            assert normalise_code("SBK" + wrong) is None


def test_most_adjacent_swaps_are_caught() -> None:
    rng = random.Random(11)
    caught = total = 0
    for _ in range(300):
        symbols = new_code("SBK").replace("-", "")[3:]
        pos = rng.randrange(len(symbols) - 1)
        if symbols[pos] == symbols[pos + 1]:
            continue
        swapped = symbols[:pos] + symbols[pos + 1] + symbols[pos] + symbols[pos + 2 :]
        total += 1
        caught += normalise_code("SBK" + swapped) is None
    assert caught / total > 0.95


@pytest.mark.parametrize(
    "raw",
    ["", "SBK", "SBK-0000-0000-0000-0000", "SBK-1111-1111-1111-1111", "x" * 100, "SBK-\x00"],
)
def test_bad_codes_are_none(raw: str) -> None:
    assert normalise_code(raw) is None


def test_check_char_is_in_the_alphabet() -> None:
    assert check_char("2222") in ALPHABET
    with pytest.raises(ValueError, match="prefix"):
        new_code("sbk")


# -- NIK -----------------------------------------------------------------------------------------
def test_nik_structure() -> None:
    facts = parse_nik("9901014507900001", today=date(2026, 12, 1))
    assert facts.region == "990101"
    assert facts.female is True
    assert facts.birth_date == date(1990, 7, 5)
    man = parse_nik("9901010507100002", today=date(2026, 12, 1))
    assert man.female is False
    assert man.birth_date == date(2010, 7, 5)


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("123", "16 angka"),
        ("99010145079000a1", "16 angka"),
        ("0001014507900001", "wilayah"),
        ("9901013207900001", "tanggal"),  # day 32
        ("9901017207900001", "tanggal"),  # day 72 - 40 = 32
        ("9901010513900001", "tanggal"),  # month 13
        ("9901014507900000", "urut"),
    ],
)
def test_bad_nik(nik: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_nik(nik, today=date(2026, 12, 1))


def test_nik_masking_hides_the_birth_date() -> None:
    assert mask_nik("9901014507900001") == "9901********0001"
    assert "450790" not in mask_nik("9901014507900001")
    assert mask_nik("12") == "**"


# -- workflows -----------------------------------------------------------------------------------
def test_aid_workflow_is_valid() -> None:
    validate_workflow(AID_WORKFLOW, ROLES)


def test_aid_happy_path_and_allowed_steps() -> None:
    wf = AID_WORKFLOW
    staff = {"opd_staff"}
    status = wf.initial
    path = [
        ("mulai_verifikasi", staff, {}),
        ("lolos_verifikasi", staff, {}),
        ("selesai_evaluasi", staff, {"berita_acara": "ba.pdf"}),
        ("tetapkan", staff, {"approved_amount_idr": 25_000_000}),
        ("tandatangani_nphd", staff, {}),
        ("cairkan", staff, {}),
        ("unggah_lpj", {"pemohon"}, {"lpj": "lpj.pdf"}),
        ("selesaikan", staff, {}),
    ]
    for name, roles, fields in path:
        status = wf.take(status, name, roles, fields).target
    assert status == "selesai"
    assert [t.name for t in wf.available("verifikasi_dokumen", staff)] == [
        "minta_perbaikan",
        "lolos_verifikasi",
        "tolak",
    ]


def test_illegal_transition_names_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        AID_WORKFLOW.take("diajukan", "cairkan", {"opd_staff"}, {})
    assert caught.value.allowed == ["mulai_verifikasi"]
    assert "mulai_verifikasi" in caught.value.detail
    with pytest.raises(IllegalTransitionError):
        AID_WORKFLOW.take("diajukan", "mulai_verifikasi", {"warga"}, {})
    with pytest.raises(IllegalTransitionError):
        AID_WORKFLOW.take("selesai", "selesaikan", {"opd_staff"}, {})


def test_required_fields() -> None:
    with pytest.raises(TransitionFieldsError) as caught:
        AID_WORKFLOW.take("verifikasi_dokumen", "tolak", {"opd_staff"}, {"public_note": ""})
    assert caught.value.errors == [{"field": "public_note", "message": "required for this step"}]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"initial": "nowhere"}, "initial state"),
        ({"final": frozenset({"selesai", "ditolak", "x"})}, "final states"),
        ({"states": (*AID_WORKFLOW.states, "orphan")}, "dead end"),
    ],
)
def test_broken_workflows_are_refused(change: dict[str, object], problem: str) -> None:
    broken = dataclasses.replace(AID_WORKFLOW, **change)  # type: ignore[arg-type]
    with pytest.raises(WorkflowDefinitionError, match=problem):
        validate_workflow(broken, ROLES)


def test_unknown_role_and_leaving_a_final_state_are_refused() -> None:
    extra = Transition("reopen", frozenset({"selesai"}), "diajukan", frozenset({"wizard"}))
    broken = dataclasses.replace(AID_WORKFLOW, transitions=(*AID_WORKFLOW.transitions, extra))
    with pytest.raises(WorkflowDefinitionError) as caught:
        validate_workflow(broken, ROLES)
    assert "unknown roles ['wizard']" in str(caught.value)
    assert "leaves a final state" in str(caught.value)
