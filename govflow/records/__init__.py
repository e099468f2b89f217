"""Records the governance processes keep beside the engine: case numbers, the
ledger (台账), the public results board and in-platform notifications."""
