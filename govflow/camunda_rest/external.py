"""External tasks: later."""
