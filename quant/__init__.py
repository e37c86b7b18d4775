"""quant: a data-orchestrated quant framework."""
