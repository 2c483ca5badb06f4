"""The runtime API for the super apps' SDK (issue 11): an in-process compiled snapshot of
everything a launch needs, rebuilt when the runtime revision moves."""
