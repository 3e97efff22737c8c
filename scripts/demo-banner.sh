#!/usr/bin/env bash
# Printed by `make run` before the server starts: how to try the demo from another terminal.
cat <<'TXT'

  Arena is starting embedded on http://127.0.0.1:8080 (data in ./var; Ctrl-C stops it).
  Try it from another terminal:

    curl -s localhost:8080/healthz
    curl -s -X POST localhost:8080/v1/auth/guest
    TOKEN=$(curl -s -X POST localhost:8080/v1/auth/guest | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
    curl -s localhost:8080/v1/account -H "Authorization: Bearer $TOKEN"
    curl -s localhost:8080/metrics | head

  Real time: two guests connect over WebSocket, join a channel, chat and DM each other:

    /usr/bin/python3 tests/clients/ws_chat.py 8080

  A match: one guest queues for practice, plays cycles against three bots to the end, and the
  stored result is re-simulated:

    /usr/bin/python3 tests/clients/ws_practice.py 8080
    build/bin/arena replay <match-id printed above>

  (Other modes: duel, squads, teams, ffa, four; GET /v1/matchmaking/stats shows the queues.)

TXT
