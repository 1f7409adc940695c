"""Reading a copy of the beta.gouv.fr registry: its files, from a folder or a .zip archive, split into
YAML front matter (parsed with PyYAML's safe loader) and Markdown body.

Nothing here touches the database. A file that cannot be read or parsed becomes an anomaly of the
report, never an exception; only a source that is not a registry at all (no startups/ folder, a
broken archive) raises `RegistryError`.
"""
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Iterable

import yaml

from portfolio.imports.report import NORMALISED, SKIPPED, ImportReport

#: The registry's folders, in the order they are imported (references point backwards).
FOLDERS = ("organisations", "incubators", "startups")
#: Folders a registry may lack: older snapshots have no organisations/ (their sponsors are written out).
OPTIONAL_FOLDERS = ("organisations",)
#: The "version made by" host of an entry written on Unix, whose names are in the system's encoding.
ZIP_UNIX = 3
#: The Info-ZIP Unicode Path extra field: the entry's name in UTF-8, with the CRC of the plain name.
ZIP_UNICODE_PATH = 0x7075
#: A registry file is small (the largest real one is 20 KB); anything bigger is not one.
MAX_FILE_BYTES = 1024 * 1024
#: Bounds for an uploaded archive once decompressed, against archive bombs.
MAX_ARCHIVE_ENTRIES = 20_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: The identifier columns are this long (Organisation/Incubator/Startup.slug).
MAX_SLUG_LENGTH = 120
PROGRESS_EVERY = 100



class SafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader (its C implementation when PyYAML has libyaml: ~10x faster), except that an
    impossible date such as 2021-02-30 stays a string: the normaliser reports it, the file still loads."""


def _tolerant_timestamp(loader, node):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _tolerant_timestamp)
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S | re.M)

Progress = Callable[[str], None]


class RegistryError(Exception):
    """The source is not a registry that can be imported (French message)."""


@dataclass(frozen=True)
class RawFile:
    folder: str
    name: str
    data: bytes | None
    #: Set when the file could not be read at all (too big…).
    problem: str | None = None
    #: Set for what the source itself gets wrong (an entry outside the archive, a missing folder): the
    #: anomaly kind to report, with `problem` as its detail; nothing is read.
    source_anomaly: str | None = None


@dataclass(frozen=True)
class RegistryFile:
    """A parsed file: its front matter as a dict and its Markdown body."""

    folder: str
    slug: str
    #: How reports name the file, e.g. "startups/signaux-faibles.md".
    path: str
    data: dict[str, Any]
    body: str


@dataclass
class Registry:
    organisations: list[RegistryFile]
    incubators: list[RegistryFile]
    startups: list[RegistryFile]


def raw_files_from_directory(root: str | Path) -> list[RawFile]:
    root = Path(root)
    if not root.is_dir():
        raise RegistryError(f"{root} n’est pas un dossier.")
    present = {name for name in FOLDERS if (root / name).is_dir()}
    _require_folders(str(root), present)
    files = _missing_folders(present)
    for folder in FOLDERS:
        if folder not in present:
            continue
        for entry in sorted((root / folder).iterdir()):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            size = entry.stat().st_size
            if size > MAX_FILE_BYTES:
                files.append(RawFile(folder, entry.name, None, f"fichier trop gros ({size} octets)"))
            else:
                files.append(RawFile(folder, entry.name, entry.read_bytes()))
    return files


def raw_files_from_zip(stream: BinaryIO | bytes) -> list[RawFile]:
    """The registry files inside an archive of the registry folder (at its root or in one sub-folder)."""
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RegistryError("Le fichier n’est pas une archive .zip lisible.") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise RegistryError(f"L’archive contient trop de fichiers (plus de {MAX_ARCHIVE_ENTRIES}).")
        if sum(info.file_size for info in entries) > MAX_UNCOMPRESSED_BYTES:
            raise RegistryError("L’archive est trop volumineuse une fois décompressée.")
        chosen, outside = _registry_entries(entries)
        files = _missing_folders({folder for folder, _, _ in chosen})
        files += [
            RawFile("", name, None, "chemin hors du dossier de l’archive (« .. » ou chemin absolu) : fichier ignoré",
                    source_anomaly="unsafe_path")
            for name in outside
        ]
        for folder, name, info in chosen:
            if info.file_size > MAX_FILE_BYTES:
                files.append(RawFile(folder, name, None, f"fichier trop gros ({info.file_size} octets)"))
                continue
            try:
                with archive.open(info) as member:
                    # The declared size can lie: never read more than the limit.
                    data = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
                files.append(RawFile(folder, name, None, f"illisible dans l’archive ({error})"))
                continue
            if len(data) > MAX_FILE_BYTES:
                files.append(RawFile(folder, name, None, "fichier trop gros"))
            else:
                files.append(RawFile(folder, name, data))
    return files


def _registry_entries(entries: list[zipfile.ZipInfo]) -> tuple[list[tuple[str, str, zipfile.ZipInfo]], list[str]]:
    """(folder, file name, entry) of the files directly inside <prefix>/startups/ and its siblings, and
    the names of the entries that point outside the archive's folder (never read)."""
    by_prefix: dict[tuple[str, ...], list] = {}
    outside: list[str] = []
    for info in entries:
        name = entry_name(info)
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.replace("\\", "/").startswith("/") or ".." in parts or (parts and parts[0].endswith(":")):
            outside.append(name)
            continue
        if len(parts) < 2 or parts[-2] not in FOLDERS:
            continue
        if any(part.startswith(".") or part == "__MACOSX" for part in parts):
            continue
        by_prefix.setdefault(parts[:-2], []).append((parts[-2], parts[-1], info))
    if not by_prefix:
        _require_folders("L’archive", set())
    if len(by_prefix) > 1:
        raise RegistryError("L’archive contient plusieurs registres : envoyez un seul dossier.")
    (chosen,) = by_prefix.values()
    _require_folders("L’archive", {folder for folder, _, _ in chosen})
    order = {folder: position for position, folder in enumerate(FOLDERS)}
    return sorted(chosen, key=lambda item: (order[item[0]], item[1])), outside


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as the archive says: UTF-8 when flagged so (zipfile did that already), else the
    Unicode Path extra field when present, else, for an entry made on Unix (Debian's `zip` flags
    nothing), the bytes in UTF-8 when they read so; cp437 (zipfile's reading) otherwise."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    unicode_path = _unicode_path_field(info.extra, raw)
    if unicode_path is not None:
        return unicode_path
    if info.create_system == ZIP_UNIX and not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return info.filename


def _unicode_path_field(extra: bytes, raw_name: bytes) -> str | None:

    position = 0
    while position + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + size]
        position += 4 + size
        if kind == ZIP_UNICODE_PATH and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<L", body, 1)
            if crc == zlib.crc32(raw_name):  # the field describes this very name, not an older one
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def _missing_folders(present: set[str]) -> list[RawFile]:
    return [
        RawFile(folder, "", None, f"pas de dossier {folder}/ : seules les organisations déjà connues, ou décrites dans les fiches "
                "(nom, sigle), sont reliées",
                source_anomaly="missing_folder")
        for folder in OPTIONAL_FOLDERS
        if folder not in present
    ]


def _require_folders(where: str, present: set[str]) -> None:
    missing = [f"{name}/" for name in FOLDERS if name not in present and name not in OPTIONAL_FOLDERS]
    if missing:
        raise RegistryError(
            f"{where} ne contient pas les dossiers attendus du registre (il manque {', '.join(missing)}) : "
            "startups/, incubators/ et organisations/ (facultatif)."
        )


def parse_registry(raw_files: Iterable[RawFile], report: ImportReport, progress: Progress | None = None) -> Registry:
    """Parse every file; unreadable, unparseable or duplicate files are reported and left out."""
    raw_files = list(raw_files)
    parsed: dict[str, list[RegistryFile]] = {folder: [] for folder in FOLDERS}
    seen: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(raw_files, start=1):
        if raw.source_anomaly:
            report.anomaly(f"{raw.folder}/" if raw.folder else raw.name, raw.source_anomaly, raw.problem or "", SKIPPED)
            continue
        report.files_read += 1
        registry_file = _parse_file(raw, report)
        if registry_file is not None:
            key = (registry_file.folder, registry_file.slug)
            if key in seen:
                report.anomaly(
                    registry_file.path,
                    "duplicate_file",
                    f"même identifiant « {registry_file.slug} » que {seen[key]}",
                    SKIPPED,
                )
            else:
                seen[key] = registry_file.path
                parsed[registry_file.folder].append(registry_file)
        if progress and number % PROGRESS_EVERY == 0:
            progress(f"Lecture : {number}/{len(raw_files)} fichiers")
    return Registry(**parsed)


def _parse_file(raw: RawFile, report: ImportReport) -> RegistryFile | None:
    name = unicodedata.normalize("NFC", raw.name)
    path = f"{raw.folder}/{name}"

    def unparseable(why: str) -> None:
        report.anomaly(path, "unparseable_file", why, SKIPPED)

    if raw.data is None:
        return unparseable(raw.problem or "fichier illisible")
    slug = name[:-3] if name.endswith(".md") else name
    if slug != slug.strip():
        report.anomaly(path, "stray_spaces", f"espaces autour de l’identifiant « {slug} »", NORMALISED)
        slug = slug.strip()
    if not slug:
        return unparseable("nom de fichier vide")
    if len(slug) > MAX_SLUG_LENGTH:
        report.anomaly(path, "value_too_long", f"identifiant de plus de {MAX_SLUG_LENGTH} caractères", SKIPPED)
        return None
    try:
        text = raw.data.decode("utf-8")
    except UnicodeDecodeError:
        return unparseable("le fichier n’est pas encodé en UTF-8")
    match = FRONT_MATTER.match(text)
    if match is None:
        return unparseable("pas d’en-tête YAML entre deux lignes ---")
    try:
        data = yaml.load(match.group(1), Loader=SafeLoader)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (ligne {where.line + 2})" if where is not None else ""
        problem = getattr(error, "problem", None) or error.__class__.__name__
        return unparseable(f"YAML invalide{line} : {problem}")
    except (ValueError, TypeError, OverflowError) as error:
        # The loader's own constructors can fail on values such as an impossible timestamp.
        return unparseable(f"YAML invalide : {error}")
    if not isinstance(data, dict):
        return unparseable("l’en-tête YAML n’est pas une liste de champs")
    return RegistryFile(raw.folder, slug, path, data, match.group(2))
