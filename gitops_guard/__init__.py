"""gitops-guard: a developer-side security gate for GitOps repositories."""

from __future__ import annotations

__version__ = "0.1.0"
