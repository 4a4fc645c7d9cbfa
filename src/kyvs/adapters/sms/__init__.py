"""SMS senders: the outbox (demo/dev carrier), a generic HTTP gateway, the Indian gateways
(MSG91, Gupshup, Kaleyra, Amazon SNS; built by name in `gateways`), and an in-memory test double."""
