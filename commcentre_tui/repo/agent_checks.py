"""Checks of what an agent is given: username, role, display text, extension, time zone, SSH key.

Each returns the clean value or raises :class:`ValidationFailed` with one sentence.
"""

from __future__ import annotations

import re

from commcentre_tui import zones
from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed

#: Agent usernames: what SSH clients send, so lower-case letters, digits, ``.``, ``_``, ``-``.
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
EXTENSION_RE = re.compile(r"^[0-9*#+]{1,20}$")
MIN_RSA_BITS = 2048
SERVER_ZONE = "server"
"""What ``--time-zone`` takes to mean the server's zone (stored as ``NULL``)."""


def check_time_zone(name: str | None) -> str | None:
    """An IANA zone name, or ``None`` for the server's (``None``, blank or ``server``)."""
    if name is None or not name.strip() or name.strip().lower() == SERVER_ZONE:
        return None
    try:
        return zones.check(name.strip())
    except ValueError as exc:
        raise ValidationFailed(str(exc), "time_zone") from None


def check_username(username: str) -> str:
    """``username`` if well formed, else :class:`ValidationFailed`."""
    if not USERNAME_RE.match(username or ""):
        raise ValidationFailed(
            f"{username!r} is not a valid username: use 1 to 32 lower-case letters, digits, '.', "
            "'_' or '-', starting with a letter.",
            "username",
        )
    return username


def check_role(settings: Settings, role: str) -> str:
    if role not in settings.roles:
        raise ValidationFailed(
            f"There is no role {role!r}; config defines {', '.join(sorted(settings.roles))}.",
            "role",
        )
    return role


def clean_text(
    value: str | None, field: str, label: str, limit: int, *, required: bool
) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise ValidationFailed(f"The {label} must not be empty.", field)
        return None
    if len(text) > limit:
        raise ValidationFailed(f"The {label} is longer than {limit} characters.", field)
    return text


def check_extension(extension: str | None) -> str | None:
    if extension is None or not extension.strip():
        return None
    extension = extension.strip()
    if not EXTENSION_RE.match(extension):
        raise ValidationFailed(
            f"{extension!r} is not a telephone extension (digits, '*', '#' or '+', at most 20).",
            "extension",
        )
    return extension


def parse_public_key(text: str) -> tuple[str, str, str, str]:
    """``(openssh_text, fingerprint, algorithm, comment)`` for one SSH public key.

    Accepts the OpenSSH one-line form (``ssh-ed25519 AAAA… comment``) and RFC 4716 blocks; refuses
    private keys, DSA keys and RSA keys shorter than 2048 bits.
    """
    import asyncssh

    text = (text or "").strip()
    if "PRIVATE KEY" in text:
        raise ValidationFailed(
            "That is a private key; give the public key (the .pub file) and keep the private key "
            "secret.",
            "key",
        )
    try:
        key = asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError, TypeError):
        raise ValidationFailed(
            "That is not an SSH public key; expected one line like `ssh-ed25519 AAAA… name@host`.",
            "key",
        ) from None
    algorithm = key.algorithm.decode("ascii")
    if algorithm == "ssh-dss":
        raise ValidationFailed(
            "DSA keys are too weak; use an Ed25519 or RSA (2048+ bits) key.", "key"
        )
    bits = getattr(getattr(key, "pyca_key", None), "key_size", None)
    if algorithm == "ssh-rsa" and bits is not None and bits < MIN_RSA_BITS:
        raise ValidationFailed(
            f"This RSA key has {bits} bits; use an Ed25519 key or RSA with at least {MIN_RSA_BITS}.",
            "key",
        )
    comment = key.get_comment() or ""
    openssh = key.export_public_key("openssh").decode("ascii").strip()
    return openssh, key.get_fingerprint("sha256"), algorithm, comment[:200]
