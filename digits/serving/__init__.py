"""The --serve page (static/) and its JSON API (server)."""
