"""Pure domain rules: no Qt, no database, no file formats.

Everything here can be imported by the CLI, the services, the outputs and the UI alike.
"""
