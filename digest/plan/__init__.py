"""Plan the site's pages: their URLs, feeds and article pages, as templates and contexts."""
