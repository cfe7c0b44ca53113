"""The CTI screens: the call picker, recent calls and the wrap-up form."""
