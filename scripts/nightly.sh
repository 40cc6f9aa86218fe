#!/usr/bin/env bash
# Cron wrapper for `qrw nightly`: yesterday's partition of the search log, then rewrite -> gates ->
# publish -> export/Redis under the table's lock. Exit codes are qrw nightly's (0 ok, 1 failure,
# 3 gate blocked, 4 input missing, 5 another run holds the lock); the run's log path is printed.
#
#   QRW_SEARCH_LOG=/data/search_log QRW_MODEL=/models/qrw QRW_TABLE=/data/rewrite_dictionary \
#   QRW_EXPORT=/srv/qrw/rewrites.jsonl QRW_REDIS=redis://127.0.0.1:6379/0 scripts/nightly.sh
#
# QRW_PARTITION=1 reads "$QRW_SEARCH_LOG/dt=YYYY-MM-DD" (one day) instead of the whole log.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${QRW_SEARCH_LOG:?set QRW_SEARCH_LOG}" "${QRW_MODEL:?set QRW_MODEL}" "${QRW_TABLE:?set QRW_TABLE}"
DAY=${QRW_DATE:-$(date -u -d yesterday +%F)}
LOG=$QRW_SEARCH_LOG
[ "${QRW_PARTITION:-0}" = 1 ] && LOG="$QRW_SEARCH_LOG/dt=$DAY"
args=(nightly --search-log "$LOG" --model "$QRW_MODEL" --table "$QRW_TABLE" --date "$DAY")
[ -n "${QRW_EXPORT:-}" ] && args+=(--export "$QRW_EXPORT")
[ -n "${QRW_REDIS:-}" ] && args+=(--redis "$QRW_REDIS")
[ -n "${QRW_CONF:-}" ] && args+=(--conf "$QRW_CONF")
exec "${QRW_PYTHON:-.venv/bin/python}" -m qrw.cli "${args[@]}"
