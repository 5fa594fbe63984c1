"""Preview the site from memory and reload open pages as files change."""
