"""Cloud-neutral runtime logic (stdlib only), packaged into every cloud's functions."""
