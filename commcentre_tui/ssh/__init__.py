"""Serving the console over SSH: one console process per connection, on its own pseudo-terminal.

``server`` holds the asyncssh server (authentication, limits, audit, shutdown); ``pty_process``
runs a child on a pseudo-terminal and pumps bytes; ``hostkey`` keeps the server's host key. This
package never imports Textual: the console runs in the child process.
"""
