"""Serving side: quality gates -> publish a dictionary version -> export / lookup.

Publication is a pointer, not a copy: the nightly job keeps MERGE-ing into
``rewrite_dictionary``; ``qrw publish`` records which Delta version passed the
gates in ``{table}_published``, and export/lookup read that version with Delta
time travel. So a bad night never reaches the online side, and rollback is one
new row in the log.
"""
