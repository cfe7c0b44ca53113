"""The console's non-screen parts: the gateway to services, the CTI and communications
controllers, shutdown, reminders, loading and display helpers (Textual allowed; no screens)."""
