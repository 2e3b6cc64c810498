"""Request documents: type sniffed from the bytes, size-limited, stored by SHA-256 on disk; a
submission's documents checked against its type's slots and recorded as its attachments."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal
from geo.errors import FileTooLargeError, InvalidInputError, UnsupportedFileError

if TYPE_CHECKING:
    from geo.requests.types import RequestType

# magic numbers: what the bytes say, never the file name
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_NAME_RE = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class Upload:
    """One document as received: the slot of the form it fills, its name and bytes."""

    slot: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class StoredFile:
    """A document checked and written to the store."""

    slot: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


def sniff(content: bytes) -> str | None:
    """The media type the content starts with (PDF, JPEG, PNG), else None."""
    return next((kind for magic, kind in _MAGIC if content.startswith(magic)), None)


def check_upload(upload: Upload, max_bytes: int) -> StoredFile:
    """Check one document's size and type.

    Raises:
        FileTooLargeError: Over ``max_bytes`` (or empty).
        UnsupportedFileError: Not a PDF, JPEG or PNG by its first bytes (an .exe renamed .pdf).
    """
    field = f"documents.{upload.slot}"
    if not upload.content:
        raise InvalidInputError(
            f"{upload.slot}: the file is empty", [{"field": field, "message": "empty"}]
        )
    if len(upload.content) > max_bytes:
        raise FileTooLargeError(
            f"{upload.slot}: {len(upload.content)} bytes; at most {max_bytes}",
            [{"field": field, "message": "too large"}],
        )
    kind = sniff(upload.content)
    if kind is None:
        raise UnsupportedFileError(
            f"{upload.slot}: only PDF, JPEG or PNG files (by their content) are accepted",
            [{"field": field, "message": "not a PDF, JPEG or PNG"}],
        )
    name = _NAME_RE.sub("_", os.path.basename(upload.filename or "dokumen"))[:200] or "dokumen"
    digest = hashlib.sha256(upload.content).hexdigest()
    return StoredFile(upload.slot, name, kind, len(upload.content), digest)


class UploadStore:
    """Documents on disk under one folder, named by their SHA-256 (written once, atomically)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the document with this digest lives."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256 digest")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes, sha256: str) -> None:
        """Store ``content`` under its digest (no-op when already there)."""
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        with open(partial, "wb") as fh:
            fh.write(content)
        os.replace(partial, target)

    def read(self, sha256: str) -> bytes:
        """The bytes of a stored document."""
        return self.path(sha256).read_bytes()


def check_documents(
    kind: RequestType, documents: Sequence[Upload], max_bytes: int
) -> list[StoredFile]:
    """Check a submission's documents against the type's slots (every required one, none
    unknown or repeated), then each file's size and type (``check_upload``).

    Raises:
        InvalidInputError: Unknown or repeated slots, missing documents (named), a bad file.
    """
    slots = [d.slot for d in documents]
    unknown = sorted(set(slots) - set(kind.documents) - set(kind.optional_documents))
    if unknown or len(slots) != len(set(slots)):
        raise InvalidInputError(
            f"unknown or repeated document slots: {', '.join(unknown) or 'repeated'}",
            [{"field": f"documents.{s}", "message": "unknown slot"} for s in unknown],
        )
    missing = [slot for slot in kind.documents if slot not in slots]
    if missing:
        names = ", ".join(kind.documents[s] for s in missing)
        raise InvalidInputError(
            f"dokumen belum lengkap: {names}",
            [{"field": f"documents.{s}", "message": "required document"} for s in missing],
        )
    return [check_upload(d, max_bytes) for d in documents]


def store_documents(
    session: Session,
    principal: Principal,
    city_id: int,
    request_id: int,
    *,
    files: list[StoredFile],
    documents: Sequence[Upload],
    store: UploadStore,
) -> None:
    """Write the checked ``files`` (their bytes from ``documents``) to ``store`` and record
    each as a ``request_attachment`` of the request."""
    for stored, upload in zip(files, documents, strict=True):
        store.put(upload.content, stored.sha256)
        session.execute(
            text(
                "INSERT INTO request_attachment (city_id, request_id, slot, filename,"
                " media_type, size_bytes, sha256, uploaded_by)"
                " VALUES (:c, :r, :slot, :name, :type, :size, :sha, :by)"
            ),
            {
                "c": city_id,
                "r": request_id,
                "slot": stored.slot,
                "name": stored.filename,
                "type": stored.media_type,
                "size": stored.size_bytes,
                "sha": stored.sha256,
                "by": principal.user_id,
            },
        )
