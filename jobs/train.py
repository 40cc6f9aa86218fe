"""``python jobs/train.py bootstrap|sft|grpo ...`` (bootstrap also under ``spark-submit``)

The same commands as ``qrw train bootstrap|sft|grpo`` (same arguments). SFT and GRPO
are single-process torch jobs; only bootstrap reads the raw logs with Spark.
"""

import sys

from qrw.cli import main

if __name__ == "__main__":
    main(["train", *sys.argv[1:]])
