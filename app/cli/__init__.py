"""The `cunwu` command line: thin, every command calls a service."""
