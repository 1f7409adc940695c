"""The signed convention: a PDF stored under the instance folder with a generated name,
checked for its name, its %PDF- signature and its size; readers download it."""
import uuid
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from portfolio.extensions import db
from portfolio.funding.models import Convention
from portfolio.funding.operations import FundingError

PDF_MAGIC = b"%PDF-"


def folder() -> Path:
    """Where the signed documents are stored: the instance folder's `documents/`."""
    return Path(current_app.instance_path) / "documents"


def attach_document(
    convention: Convention, filename: str | None, stream: BinaryIO, folder: Path, max_bytes: int
) -> None:
    """Store the signed PDF under `folder` with a generated name and point the convention at it.

    A PDF is a name ending in .pdf and content starting with %PDF-; anything larger than
    `max_bytes` is refused. A replaced document stays on disk: its name remains in the audit trail.
    """
    shown = Path((filename or "").replace("\\", "/")).name.strip()
    if not shown.lower().endswith(".pdf"):
        raise FundingError("Le document doit être un fichier PDF (son nom se termine par .pdf).")
    content = stream.read(max_bytes + 1)
    if not content:
        raise FundingError("Le fichier envoyé est vide.")
    if len(content) > max_bytes:
        raise FundingError(f"Le document dépasse la taille maximale ({_megabytes(max_bytes)}).")
    if not content.startswith(PDF_MAGIC):
        raise FundingError("Ce fichier n’est pas un PDF : son contenu ne commence pas par « %PDF- ».")
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.pdf"
    path = folder / stored
    with path.open("xb") as output:
        output.write(content)
    try:
        convention.document_path = stored
        convention.document_name = shown[-300:]
        convention.document_size = len(content)
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise


def document_file(convention: Convention, folder: Path) -> Path | None:
    """The stored file of the convention's document, or None when there is none (or it is missing)."""
    if not convention.document_path:
        return None
    path = (folder / convention.document_path).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        return None
    return path


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} Mo".replace(".0 Mo", " Mo").replace(".", ",")
