"""qrw: LLM query rewriting for e-commerce search."""
