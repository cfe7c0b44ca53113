"""commcentre: a keyboard-driven terminal Communication Centre for contact-centre agents."""

__version__ = "0.1.0"
