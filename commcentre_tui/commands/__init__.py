"""One module per ``commcentre`` command: ``register(subparsers)`` and ``run(args) -> int``."""
