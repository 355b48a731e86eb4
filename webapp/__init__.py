"""The local web page for drawing or uploading a digit, and its JSON API (see server.py)."""
