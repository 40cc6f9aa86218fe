"""Training-data mining on Spark (``qrw build-training-data``).

One module per job: sessions (which search an event belongs to), behaviour
(per-query aggregates), profiles (pair similarities from per-query maps), pairs
(rewrite pairs from independent signals), labels (graded relevance examples),
splits (train / dev / test by query hash), export (rendering with qrw.prompts, Delta
and JSON Lines), job (orchestration, summary, progress).

Output layout under ``--out`` (others build against it):

* ``tables/`` (Delta, replaced on every run):
  ``behaviour`` (query_norm, query, searches, users, sessions, clicks, add_to_carts,
  orders, ctr, cvr, products, categories, split), ``rewrite_pairs`` (query_norm,
  rewrite_norm, signal = the agreeing signals joined by '+', e.g.
  ``graph+reformulation``; support, score, signals, category_sim, product_overlap,
  per-signal support/score, split), ``relevance_examples`` (query_norm,
  rewrite_norm, grade 0/1/2, source, product_overlap, category_sim, split),
  ``sft``, ``grpo_prompts``, ``eval`` (held-out dev and test queries with their products and
  mined reference rewrites), ``rejects`` (rows of this run_id replaced).
* ``export/`` (JSON Lines for TRL): ``sft_{train,dev,test}.jsonl``, ``grpo_{train,dev,test}.jsonl``,
  ``relevance_{train,dev,test}.jsonl`` (labelled pairs), ``query_splits.jsonl`` (query_norm -> split, what bootstrap
  and evaluate read), ``catalog.jsonl``, ``corpus.txt`` (train queries only).
* ``summary.json``: counts per signal, drops per reason, label balance, rejects,
  split sizes, warnings, seconds per step.

No ``user_id`` or session key reaches any of them.
"""
