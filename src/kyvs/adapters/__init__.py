"""Adapters: storage, OTP stores, SMS and signing behind the protocols in `kyvs.ports`."""
