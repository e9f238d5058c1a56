"""Cunwu (村务公开助手): village-affairs disclosure assistant."""

__version__ = "0.1.0"
APP_NAME = "Cunwu"
APP_TITLE = "村务公开助手"
