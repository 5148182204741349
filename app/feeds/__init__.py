"""Adapters for outside feeds (the MI5 RSS feed, signed police pushes), each turning bytes into service calls."""
