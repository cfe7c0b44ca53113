"""The topics of generated care rows: per category its weight and the (subject, content) pairs
its communications and cases are written from (``{first}`` is the contact's first name)."""

from __future__ import annotations

# (category, weight, [(subject, content)])
TOPICS: tuple[tuple[str, int, tuple[tuple[str, str], ...]], ...] = (
    (
        "General",
        20,
        (
            ("Address update", "{first} asked to update the postal address on file."),
            ("Contact details check", "Confirmed phone and email with {first}."),
            ("Welcome call", "Welcomed {first} and explained the self-service portal."),
            ("Opening hours", "Asked about shop opening hours on Saturdays."),
        ),
    ),
    (
        "Technical Issue",
        25,
        (
            (
                "No internet connection",
                "Router lights red; guided {first} through a restart. Connection restored.",
            ),
            ("Slow broadband", "Speed test showed 12 Mbps on a 200 Mbps line; line check booked."),
            ("TV signal lost", "Decoder shows 'No signal'; a channel rescan fixed it."),
            ("Mobile data not working", "APN settings re-sent by SMS; data working again."),
            ("Wi-Fi coverage", "Weak Wi-Fi upstairs; recommended a mesh extender."),
        ),
    ),
    (
        "Billing",
        25,
        (
            (
                "Bill enquiry",
                "{first} queried the latest bill amount; explained the pro-rata charges.",
            ),
            ("Payment arrangement", "Agreed to pay the outstanding balance in two instalments."),
            ("Direct debit setup", "Direct debit mandate sent by email for signature."),
            ("Refund request", "Refund of a double payment passed to Finance."),
            ("Bill copy", "Sent {first} a copy of the last bill."),
        ),
    ),
    (
        "Complaint",
        8,
        (
            (
                "Technician arrived late",
                "Technician arrived three hours late; apologised to {first}.",
            ),
            ("Service outage", "Two-day outage in the area; goodwill credit discussed."),
            ("Wrong charge", "Charged for a cancelled pack; escalated to Billing."),
        ),
    ),
    (
        "Sales",
        12,
        (
            (
                "Upgrade offer",
                "Offered Fibre 1 Gbps at the loyalty price; {first} will think about it.",
            ),
            ("New mobile line", "Interested in a second Mobile M line for a family member."),
            ("Sports pack", "Asked about the TV Sports Pack for the new season."),
            ("Contract renewal", "Contract ends next month; renewal options explained."),
        ),
    ),
    (
        "Notification",
        10,
        (
            ("Your bill is ready", "Dear {first}, your monthly bill is now available."),
            ("Payment received", "Thank you {first}, we have received your payment."),
            ("Planned maintenance", "Planned network maintenance on Sunday 02:00-05:00."),
            ("Appointment reminder", "Reminder: technician visit tomorrow 09:00-13:00."),
        ),
    ),
)
TOPIC_DRAW = tuple(t for t in TOPICS for _ in range(t[1]))
"""The topics repeated by weight, to draw one with a single random number."""
