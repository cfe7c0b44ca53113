"""Modal dialogs shared by screens (confirm, secret entry)."""
