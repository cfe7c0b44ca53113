"""commcentre: a keyboard-driven terminal Communication Centre for contact-centre agents."""

__version__ = "0.1.0"

import warnings as _warnings

# asyncssh still imports cryptography's DSA classes, which warns at every start of serve-ssh and
# the bench; commcentre offers no DSA keys, and the warning is no use to whoever starts them.
_warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"asyncssh\.")
