"""The communication screens: the form, bulk notify and the template picker."""
