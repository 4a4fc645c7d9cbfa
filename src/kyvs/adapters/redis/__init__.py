"""OTP transactions and rate limits in Redis or Redis Cluster (the at-scale store)."""
