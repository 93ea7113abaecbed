"""Third-party code shipped inside gitops-guard, imports rewritten (see README.md here)."""
