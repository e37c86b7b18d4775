"""Brokers behind one interface (``base.Broker``): the embedded paper broker, later real ones."""
