"""The pure core of kyvs: people, doses, vaccines and status rules (standard library only)."""
