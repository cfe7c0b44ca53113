"""Inbound channels: customers' emails (IMAP) and SMS (a webhook) become incoming communications.

:mod:`.mime` reads an email, :mod:`.dsn` recognises bounces, :mod:`.html_text` turns HTML into
text, :mod:`.quotes` trims quoted history for previews, :mod:`.attachments` stores files,
:mod:`.email_poller` reads the mailbox, :mod:`.sms_webhook` takes SMS; both record through
:mod:`commcentre_tui.repo.inbound_record` (matching and threading: ``repo.inbound_match``).
"""
