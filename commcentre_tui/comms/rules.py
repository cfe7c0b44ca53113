"""Sending rules for one outgoing email or SMS: recipient, subject, content, limits, tags.

Pure (no database): the service calls :func:`check_outgoing` at Save, and a form can call it
for live validation. Problems are one ``ValidationFailed`` naming every bad field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from commcentre_tui.comms.context import ContactInfo
from commcentre_tui.comms.sms import sms_count
from commcentre_tui.comms.templates import Limits, TemplateError, has_tags, render
from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.text import to_e164
from commcentre_tui.validation import text_problem

EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def media_label(media: str) -> str:
    """``SMS``, ``email`` … as an agent reads it."""
    return {"sms": "SMS"}.get(media, media)


def check_outgoing(
    settings: Settings,
    info: ContactInfo,
    context: Mapping[str, Any],
    *,
    media: str,
    recipient: str,
    subject: str,
    content: str,
    template_id: int | None = None,
    limits: Limits | None = None,
) -> tuple[str, str, str]:
    """The ``(recipient, subject, content)`` to send, tags rendered; or ``ValidationFailed``.

    A blank recipient means the contact's primary email (or phone for SMS); SMS numbers become
    E.164. A template-driven message to a contact who opted out of ``media`` is refused.
    """
    errors: dict[str, str] = {}
    if template_id is not None and info.opted_out(media):
        errors["media"] = (
            f"{info.name} has opted out of {media_label(media)} from templates and notifications."
        )
    recipient = recipient.strip() or info.recipient(media) or ""
    if media == "email":
        if not EMAIL_RE.match(recipient):
            errors["recipient"] = (
                "Enter the email address to send to."
                if not recipient
                else f"{recipient!r} is not an email address."
            )
    else:
        e164 = to_e164(recipient, settings.search.default_region)
        if e164 is None:
            errors["recipient"] = (
                "Enter the phone number to send the SMS to."
                if not recipient
                else f"{recipient!r} is not a phone number."
            )
        recipient = e164 or recipient
    texts = {"subject": subject, "content": content}
    for name, text in texts.items():
        if has_tags(text):
            try:
                texts[name] = render(
                    text, context, field=name, limits=limits or Limits.from_settings(settings)
                )
            except TemplateError as exc:
                errors.setdefault(name, str(exc))
                continue
            if name == "subject" and media == "email":
                texts[name] = " ".join(texts[name].split())
            problem = text_problem(
                texts[name], f"Once its tags are filled in, the {name}", multiline=name == "content"
            )
            if problem:
                errors.setdefault(name, problem)
    if media == "email" and settings.communications.email_subject_required and not texts["subject"]:
        errors.setdefault("subject", "An email needs a subject.")
    if not texts["content"].strip():
        errors.setdefault("content", f"Write the {media_label(media)} text before sending it.")
    if media == "sms":
        count = sms_count(texts["content"], settings.sms.max_length)
        if count.too_long:
            errors.setdefault(
                "content",
                f"The SMS has {count.characters} characters; the limit is "
                f"{count.max_length} ({count.segments} segments).",
            )
    if errors:
        raise ValidationFailed.many(errors)
    return recipient, texts["subject"], texts["content"]
