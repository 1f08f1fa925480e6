"""The backend conformance suite: the same behaviour on every search engine."""
