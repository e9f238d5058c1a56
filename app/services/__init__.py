"""Use cases. Each public function is one transaction, and services are the only writers."""
