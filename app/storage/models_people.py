"""Tables of the people who use Cunwu and the villages each may work on (issue 16; migration 0011)."""

from __future__ import annotations
