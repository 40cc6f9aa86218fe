"""Offline evaluation against the sample world's hidden truth: metrics and an HTML report."""
