"""Start a Spark standalone master + workers on 127.0.0.1 (fake GPUs advertised) and wait.

    .venv/bin/python scripts/standalone_cluster.py --workers 2
    # then, in another shell:
    .venv/bin/qrw rewrite ... --set spark.master=spark://127.0.0.1:PORT
"""

from __future__ import annotations

import time

import click

from qrw.standalone import StandaloneCluster


@click.command()
@click.option("--workers", default=2, show_default=True)
@click.option("--gpus-per-worker", default=1, show_default=True)
@click.option("--cores-per-worker", default=1, show_default=True)
def main(workers: int, gpus_per_worker: int, cores_per_worker: int) -> None:
    with StandaloneCluster(workers=workers, gpus_per_worker=gpus_per_worker, cores_per_worker=cores_per_worker) as cluster:
        click.echo(f"master: {cluster.master_url}  (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
