"""``spark-submit jobs/build_training_data.py --search-log P --catalog P [--labels P] --out DIR``

The same command as ``qrw build-training-data`` (same arguments, ``--conf cluster`` on a cluster).
"""

import sys

from qrw.cli import main

if __name__ == "__main__":
    main(["build-training-data", *sys.argv[1:]])
