#!/usr/bin/env bash
# Serves the demo on http://127.0.0.1:8000 with the background worker, the mail catcher and the
# ePUAP/e-Doręczenia and login.gov.pl simulators beside it; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var/mail

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Podkowa stopped."
}
trap cleanup INT TERM EXIT

$PY manage.py mailcatcher --port 1025 --dir var/mail & pids+=($!)
$PY manage.py db_worker --queue-name default & pids+=($!)
# Local stand-ins for ePUAP and e-Doręczenia (settings point there while DEBUG=1).
$PY manage.py letters_simulator --port 8091 --dir var/letters/simulator & pids+=($!)
# Local stand-in for login.gov.pl ("Zaloguj przez login.gov.pl (symulator)" on the login page).
$PY manage.py logingovpl_simulator --port 8092 & pids+=($!)
# The safety nets: the outbox re-queues every due message (retries after a failure, or one whose
# queue entry was lost); letters_sync retries due letters and pulls the office's boxes.
# payment_reminders and lease_reminders queue the day's reminders (idempotent: once per charge,
# once per holder and threshold — 12 and 3 months before a grave's lease ends), here hourly.
# Production runs `manage.py outbox_flush` and `manage.py letters_sync` from cron every minute
# and `manage.py payment_reminders` and `manage.py lease_reminders` daily (see README).
( n=0; while sleep 60; do $PY manage.py outbox_flush >/dev/null || true
    $PY manage.py letters_sync >/dev/null || true
    [ $((n++ % 60)) -eq 0 ] && { $PY manage.py payment_reminders >/dev/null || true
      $PY manage.py lease_reminders >/dev/null || true; }; done ) & pids+=($!)
$PY manage.py runserver 127.0.0.1:8000 & pids+=($!)

for _ in $(seq 1 60); do
  curl -fs -o /dev/null http://127.0.0.1:8000/ && break
  sleep 0.5
done
$PY manage.py load_demo --logins-only
echo
echo "Podkowa is serving http://127.0.0.1:8000  (API docs: /api/v1/docs, mails: var/mail/)"
echo "Press Ctrl-C to stop the server, the worker and the mail catcher."
wait -n "${pids[@]}"
