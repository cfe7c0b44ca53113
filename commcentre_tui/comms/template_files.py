"""Template files (the ``data/templates/*.toml`` format): find the shipped ones, read, check,
write. No database here (installing and importing: :mod:`.template_store`).

One file per language version::

    name = "Overdue reminder"
    media = "sms"                 # email, sms, letter, phone …
    language = "en"               # optional, default en
    about = "overdue bill"        # optional: which record the tags refer to (comms.targets.ABOUT)
    subject = "…"                 # optional (email, letter)
    body = \"\"\"…\"\"\"

A file with a problem is ONE sentence naming the file and the line (:class:`TemplateFileError`).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from commcentre_tui.errors import ValidationFailed

KEYS = ("name", "media", "language", "about", "subject", "body", "active")
REQUIRED = ("name", "media", "body")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_LINE = re.compile(r"\s*\(?\bon line (\d+)\)?|\s*\(line (\d+)\)")


def shipped_templates_dir() -> Path:
    """THE folder of the shipped templates, for everything in comms (the one place that asks).

    ``data/templates`` of a checkout, else the package data of an installed wheel — decided by
    :func:`commcentre_tui.paths.shipped_templates_dir`.
    """
    from commcentre_tui.paths import shipped_templates_dir as located

    return located()


class TemplateFileError(ValidationFailed):
    """A template file that cannot be used: one sentence naming the file and the line."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        where = f"{source}, line {line}" if line else source
        problem = problem.strip().rstrip(".")
        super().__init__(f"{where}: {problem[:1].upper()}{problem[1:]}.", "file")
        self.source, self.line = source, line


def _key_line(lines: list[str], key: str) -> int | None:
    """The 1-based line of ``key = …``, or ``None``."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((i for i, text in enumerate(lines, 1) if pattern.match(text)), None)


def _value_start(lines: list[str], key: str) -> int | None:
    """The file line of the first line of ``key``'s value (after a bare opening ``\"\"\"``)."""
    line = _key_line(lines, key)
    if line is None:
        return None
    rest = lines[line - 1].split("=", 1)[1].strip()
    return line + 1 if rest in ('"""', "'''") else line


def record_from_toml(text: str, source: str, *, sms_max: int | None = None) -> dict[str, Any]:
    """The template record in ``text`` (TOML), checked without a database or customer
    (:func:`check_record`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "not valid TOML"
        raise TemplateFileError(
            source, int(found.group(1)) if found else None, f"not valid TOML: {problem}"
        ) from None
    lines = text.splitlines()
    for key in data:
        if key not in KEYS:
            raise TemplateFileError(
                source,
                _key_line(lines, key),
                f"unknown key {key!r}; a template file has {', '.join(KEYS)}",
            )
    for key in REQUIRED:
        if key not in data:
            raise TemplateFileError(
                source, None, f"there is no {key} (every template needs {', '.join(REQUIRED)})"
            )
    for key, value in data.items():
        wanted = bool if key == "active" else str
        if not isinstance(value, wanted):
            raise TemplateFileError(
                source,
                _key_line(lines, key),
                f"{key} must be {'true or false' if wanted is bool else 'text'}",
            )
    record = {
        "name": data["name"].strip(),
        "media": data["media"].strip(),
        "language": data.get("language", "en").strip(),
        "about": data.get("about", "customer"),
        "subject": data.get("subject", ""),
        "body": data["body"],
        "active": data.get("active", True),
    }
    try:
        return check_record(record, sms_max=sms_max)
    except ValidationFailed as exc:
        field = exc.field if exc.field in KEYS else "body"
        message = str(exc)
        found = _LINE.search(message)
        start = _value_start(lines, field)
        line = start
        if found and start is not None:
            line = start + int(found.group(1) or found.group(2)) - 1
            message = _LINE.sub("", message, count=1)
        raise TemplateFileError(source, line, message) from None


def check_record(record: Mapping[str, Any], *, sms_max: int | None = None) -> dict[str, Any]:
    """``record`` checked and normalised; ``ValidationFailed`` (with its field) at the first
    problem: name, media, language, ``about``, unknown tags, file access, and — rendered with the
    tag reference's examples — sandbox refusals and (with ``sms_max``) an SMS over the limit."""
    from commcentre_tui.comms.targets import check_about
    from commcentre_tui.comms.templates import check_template_record, render, sample_context

    out: dict[str, Any] = {key: record.get(key) for key in KEYS}
    out["language"] = (out["language"] or "en").strip()
    out["subject"] = out["subject"] or ""
    out["active"] = True if out["active"] is None else bool(out["active"])
    name, media = (out["name"] or "").strip(), (out["media"] or "").strip()
    out["name"], out["media"] = name, media
    if len(name) > 100:
        raise ValidationFailed("A template name has at most 100 characters.", "name")
    if not _LANGUAGE.match(out["language"]):
        raise ValidationFailed(
            f"The language must be a code such as en or el, not {out['language']!r}.", "language"
        )
    if len(out["subject"]) > 300:
        raise ValidationFailed("A subject has at most 300 characters.", "subject")
    out["about"] = check_about(out["about"] or "customer")
    check_template_record(name, media, out["subject"], out["body"] or "")
    if media in ("sms", "phone") and out["subject"].strip():
        raise ValidationFailed(f"A {media} template has no subject; leave it empty.", "subject")
    example = sample_context()
    render(out["subject"], example, field="subject")
    text = render(out["body"], example, field="body")
    if sms_max is not None and media == "sms" and len(text) > sms_max:
        raise ValidationFailed(
            f"With the tag reference's example values the SMS has {len(text)} characters; the limit is {sms_max}.",
            "body",
        )
    return out


def read_file(path: Path, *, sms_max: int | None = None) -> dict[str, Any]:
    """The checked record of the template file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateFileError(str(path), None, "it is not UTF-8 text") from None
    except OSError as exc:
        raise TemplateFileError(
            str(path), None, f"it cannot be read ({exc.strerror or exc})"
        ) from None
    return record_from_toml(text, str(path), sms_max=sms_max)


def template_paths(paths: Iterable[Path]) -> list[Path]:
    """The files named, with a folder standing for its ``*.toml`` files (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(path.glob("*.toml")))
        elif path.exists():
            out.append(path)
        else:
            raise TemplateFileError(str(path), None, "there is no such file or folder")
    return out


def read_files(
    paths: Iterable[Path], *, sms_max: int | None = None
) -> list[tuple[Path, dict[str, Any]]]:
    """Every file's checked record; the first problem raises (so nothing is used from a set with
    an error). Two files for the same name and language are refused too."""
    out: list[tuple[Path, dict[str, Any]]] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in template_paths(paths):
        record = read_file(path, sms_max=sms_max)
        key = (record["name"].casefold(), record["language"])
        if key in seen:
            raise TemplateFileError(
                str(path),
                _key_line(path.read_text(encoding="utf-8").splitlines(), "name"),
                f"{seen[key].name} already has {record['name']!r} in {record['language']}",
            )
        seen[key] = path
        out.append((path, record))
    return out


def fingerprint(record: Mapping[str, Any]) -> str:
    """A hash of what an administrator may edit (to tell an edited shipped template)."""
    keys = ("name", "media", "language", "about", "subject", "body")
    return hashlib.sha256(json.dumps([record.get(k) or "" for k in keys]).encode()).hexdigest()


def file_name(record: Mapping[str, Any]) -> str:
    """``overdue_reminder.en.toml`` for a record."""
    slug = re.sub(r"[^0-9a-z]+", "_", str(record["name"]).casefold()).strip("_") or "template"
    return f"{slug}.{record['language']}.toml"


def _toml_string(value: str) -> str:
    if "\n" in value:
        body = value.replace("\\", "\\\\").replace('"""', '\\"""')
        return '"""\n' + body + ("" if body.endswith("\n") else "\\\n") + '"""'
    return json.dumps(value, ensure_ascii=False)


def to_toml(record: Mapping[str, Any]) -> str:
    """The file text of ``record`` (reads back to the same record)."""
    lines = [
        f"name = {_toml_string(record['name'])}",
        f"media = {_toml_string(record['media'])}",
        f"language = {_toml_string(record['language'])}",
    ]
    if (record.get("about") or "customer") != "customer":
        lines.append(f"about = {_toml_string(record['about'])}")
    if record.get("active") is False:
        lines.append("active = false")
    if record.get("subject"):
        lines.append(f"subject = {_toml_string(record['subject'])}")
    lines.append(f"body = {_toml_string(record['body'])}")
    return "\n".join(lines) + "\n"
