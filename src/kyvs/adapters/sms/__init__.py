"""SMS senders: the outbox (demo/dev carrier), an HTTP gateway, and an in-memory test double."""
