"""The nightly run under spark-submit (same arguments and exit codes as ``qrw nightly``).

    spark-submit --packages io.delta:delta-spark_4.1_2.13:4.4.0 jobs/nightly.py \
        --conf cluster --search-log hdfs:///logs/search/dt=2026-11-25 --model /models/qrw \
        --table hdfs:///qrw/rewrite_dictionary --redis redis://redis.internal:6379/0
"""

import sys

from qrw.cli import main

if __name__ == "__main__":
    main(["nightly", *sys.argv[1:]])
