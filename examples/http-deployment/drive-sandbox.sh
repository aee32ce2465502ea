#!/usr/bin/env bash
# Drives a sandbox service over HTTP: admin messages, push directory, link, enrollment, a week.
# Needs the service started with RELANCE_TRANSPORT=sandbox and the secrets below (or set yours).
set -euo pipefail
URL="${URL:-http://localhost:3000}"
P="$URL/api/relance"
SERVICE_SECRET="${RELANCE_SERVICE_SECRET:?export RELANCE_SERVICE_SECRET (the one the service was started with)}"
ADMIN_TOKEN="${ADMIN_TOKEN:?export ADMIN_TOKEN (the one the service was started with)}"
REFERRER_TOKEN="${REFERRER_TOKEN:?export REFERRER_TOKEN (printed by npm start: sub=demo-referrer)}"
svc=(-H "Authorization: Bearer $SERVICE_SECRET" -H "X-Service-Name: demo" -H "Content-Type: application/json")

for day in 1 2 3 4 5 6 7; do
  curl -sf -X POST "$P/admin/messages" -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: application/json" \
    -d "{\"dayNumber\": $day, \"messageTemplate\": {\"fr\": \"Jour {{day}}/{{totalDays}} : bonjour {{firstName}}\"}}" >/dev/null
done
curl -sf -X POST "$P/sandbox/clock" -H "Content-Type: application/json" -d '{"now": "2026-01-05T08:00:00Z"}'; echo
curl -sf -X POST "$P/internal/subscriptions" "${svc[@]}" -d '{"userId": "demo-referrer", "active": true, "name": "Jean"}'; echo
curl -sf -X POST "$P/internal/referrals" "${svc[@]}" \
  -d '{"referrerId": "demo-referrer", "referral": {"userId": "alice", "phone": "+33611111111", "name": "Alice Durand", "createdAt": "2026-01-05T06:00:00Z"}}'; echo
curl -sf -X POST "$P/connect" -H "Authorization: Bearer $REFERRER_TOKEN" -H "Content-Type: application/json" -d '{}' | head -c 120; echo
curl -sf -X POST "$P/sandbox/link" -H "Content-Type: application/json" -d '{"userId": "demo-referrer", "phone": "+33600000001"}'; echo
curl -sf -X POST "$P/internal/jobs/enrollment/run" "${svc[@]}"; echo
for day in 1 2 3 4 5 6 7; do
  curl -sf -X POST "$P/internal/jobs/dispatch/run" "${svc[@]}"; echo
  curl -sf -X POST "$P/sandbox/clock" -H "Content-Type: application/json" -d '{"advanceMs": 86400000}' >/dev/null
done
curl -sf "$P/sandbox/outbox?referrerId=demo-referrer"; echo
curl -sf "$P/stats" -H "Authorization: Bearer $REFERRER_TOKEN"; echo
