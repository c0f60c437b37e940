"""Writes, one module per concern: metrics (definitions), figures (every change to a figure, with
its history row), review (maker-checker), imports (check a file, preview, apply all or nothing).
Each public function is one transaction, takes keyword arguments and a typed actor."""
