"""What an import did: counts per kind of record and every anomaly met, for the CLI, the JSON and the page."""
from collections import Counter
from dataclasses import dataclass, field

from portfolio.core.french import counted

#: Anomaly kinds and their French labels (the page and the text summary show these).
ANOMALY_LABELS = {
    "unparseable_file": "Fichier illisible",
    "duplicate_file": "Fichier en double",
    "invalid_value": "Valeur invalide",
    "value_too_long": "Valeur trop longue",
    "missing_title": "Titre manquant",
    "missing_date": "Date manquante ou vide",
    "null_value": "Valeur null",
    "invalid_date": "Date invalide",
    "date_out_of_range": "Date hors période",
    "date_normalised": "Date mal écrite",
    "stray_spaces": "Espaces superflus",
    "unknown_incubator": "Incubateur inconnu",
    "unknown_sponsor": "Sponsor inconnu",
    "unknown_owner": "Organisation propriétaire inconnue",
    "unknown_phase": "Phase inconnue",
    "legacy_phase": "Ancien nom de phase",
    "duplicate_span": "Phase en double",
    "end_before_start": "Fin avant le début",
    "overlap": "Phases qui se chevauchent",
    "same_day_start": "Phases commençant le même jour",
    "phase_after_abandon": "Phase après un arrêt",
    "future_span": "Phase à venir",
    "unknown_event": "Événement inconnu",
    "duplicate_event": "Événement en double",
    "unsafe_path": "Chemin hors de l’archive",
    "missing_folder": "Dossier absent",
    "unsafe_link": "Lien refusé",
    "sponsor_by_name": "Sponsor écrit en toutes lettres",
}

#: What the import did about an anomaly.
KEPT, NORMALISED, SKIPPED = "kept", "normalised", "skipped"
ACTION_LABELS = {KEPT: "gardé", NORMALISED: "normalisé", SKIPPED: "ignoré"}

#: The kinds of records counted, with their French labels (plural).
RECORD_LABELS = {
    "organisations": "organisations",
    "incubators": "incubateurs",
    "startups": "startups",
    "phase_spans": "phases",
    "milestones": "événements",
    "sponsorships": "sponsors",
    "committee_reviews": "comités d’investissement (événements « committee »)",
    "co_incubations": "co-incubations",
    "grants": "subventions FAST",
}


@dataclass(frozen=True)
class Anomaly:
    #: The file, as "startups/signaux-faibles.md".
    file: str
    kind: str
    #: What was found, in French.
    detail: str
    #: KEPT, NORMALISED or SKIPPED.
    action: str

    @property
    def kind_label(self) -> str:
        return ANOMALY_LABELS[self.kind]

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    def as_dict(self) -> dict:
        return {"file": self.file, "kind": self.kind, "detail": self.detail, "action": self.action}


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportReport:
    source: str = ""
    files_read: int = 0
    #: True when nothing was saved (a simulation).
    dry_run: bool = False
    records: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in RECORD_LABELS})
    anomalies: list[Anomaly] = field(default_factory=list)
    seconds: float = 0.0

    def anomaly(self, file: str, kind: str, detail: str, action: str) -> None:
        if kind not in ANOMALY_LABELS or action not in ACTION_LABELS:
            raise ValueError(f"unknown anomaly kind or action: {kind!r}, {action!r}")
        self.anomalies.append(Anomaly(file, kind, detail, action))

    def count(self, kind: str, outcome: str) -> None:
        tally = self.records[kind]
        setattr(tally, outcome, getattr(tally, outcome) + 1)

    @property
    def anomalies_by_kind(self) -> dict[str, int]:
        counts = Counter(anomaly.kind for anomaly in self.anomalies)
        return {kind: counts[kind] for kind in ANOMALY_LABELS if counts[kind]}

    @property
    def changed(self) -> bool:
        return any(tally.created or tally.updated for tally in self.records.values())

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "files_read": self.files_read,
            "seconds": round(self.seconds, 3),
            **{kind: tally.as_dict() for kind, tally in self.records.items()},
            "anomalies_by_kind": self.anomalies_by_kind,
            "anomalies": [anomaly.as_dict() for anomaly in self.anomalies],
        }

    def summary_lines(self) -> list[str]:
        """The summary in French, one line per fact, as the CLI prints it."""
        lines = [f"Fichiers lus : {self.files_read}"]
        for kind, tally in self.records.items():
            lines.append(
                f"{RECORD_LABELS[kind].capitalize()} : {counted(tally.created, 'création')}, "
                f"{counted(tally.updated, 'mise à jour', 'mises à jour')}, {tally.unchanged} sans changement"
            )
        if self.anomalies:
            lines.append(f"Anomalies : {len(self.anomalies)}")
            for kind, number in self.anomalies_by_kind.items():
                lines.append(f"  {ANOMALY_LABELS[kind]} ({kind}) : {number}")
        else:
            lines.append("Anomalies : aucune")
        if self.dry_run:
            lines.append("Simulation : rien n’a été enregistré.")
        elif not self.changed:
            lines.append("Rien n’a changé : la base était déjà à jour.")
        return lines
