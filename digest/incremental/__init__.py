"""Remember what the last build read and wrote, and redo only what changed."""
