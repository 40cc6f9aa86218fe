"""The nightly batch job under spark-submit (same arguments as ``qrw rewrite``).

    spark-submit --packages io.delta:delta-spark_4.1_2.13:4.4.0 jobs/rewrite_queries.py \
        --conf cluster --search-log hdfs:///logs/search --model /models/qrw --table hdfs:///qrw/rewrite_dictionary
"""

import sys

from qrw.cli import main

if __name__ == "__main__":
    main(["rewrite", *sys.argv[1:]])
