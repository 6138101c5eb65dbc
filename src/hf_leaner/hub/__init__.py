"""Hub utilities: publishing folders, and a local folder served in place of the Hub."""
