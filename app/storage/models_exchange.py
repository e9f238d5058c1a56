"""Tables of the offline exchange: keys, trust, what was sent and applied (issue 16; migration 0012)."""

from __future__ import annotations
