#!/usr/bin/env bash
# Fetch the Delta JARs into a folder (for clusters or machines where Ivy cannot resolve them),
# then point qrw at it: QRW_DELTA_JARS=DIR, or --set spark.delta_jars_dir=DIR, or spark-submit --jars.
# Spark itself provides Hadoop, Parquet and Jackson, so only Delta's own artifacts are copied.
set -euo pipefail
DIR=${1:-$HOME/.cache/qrw/delta-jars}
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
read -r SPARK_MM DELTA <<<"$("$PY" -c 'import pyspark, importlib.metadata as m; print(".".join(pyspark.__version__.split(".")[:2]), m.version("delta-spark"))')"
mkdir -p "$DIR"
for art in "io.delta:delta-spark_${SPARK_MM}_2.13:${DELTA}" "io.delta:delta-storage:${DELTA}" \
           "io.delta:delta-kernel-api:${DELTA}" "io.delta:delta-kernel-defaults:${DELTA}" \
           "io.delta:delta-kernel-unitycatalog:${DELTA}" "io.unitycatalog:unitycatalog-client:0.6.0" \
           "io.unitycatalog:unitycatalog-hadoop:0.6.0"; do
  mvn -q dependency:copy -Dartifact="$art" -DoutputDirectory="$DIR"
done
ls "$DIR"
echo "export QRW_DELTA_JARS=$DIR"
