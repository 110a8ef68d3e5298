"""HTTP endpoints of the controller process: artifact file server, probes, metrics (``app``)."""
