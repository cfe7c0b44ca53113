"""What screens and widgets lean on: the one door to services (gateway), blocking work off the UI
loop (loading), plain on-screen formatting, messages that cross screens, and GC tuning."""
