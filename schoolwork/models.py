"""Models of the schoolwork app."""
