"""Transport-neutral core types: what comes in, what goes out, who routes it."""
