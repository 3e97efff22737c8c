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

  After the match: the player's profile and history, and the leaderboards (rated modes such as
  duel and four fill their boards; score boards come from [leaderboards.boards.<id>] tables):

    curl -s localhost:8080/v1/matches/<match-id printed above>     # the seats, with your user_id
    curl -s localhost:8080/v1/players/<your user_id>/matches
    curl -s localhost:8080/v1/leaderboards

  Every REST route, documented: the OpenAPI 3.1 document and Swagger UI (in a browser):

    curl -s localhost:8080/openapi.json | head -c 300
    http://127.0.0.1:8080/api-docs

  The same reads in one request, with GraphQL (GraphiQL in a browser, the schema in its Docs pane):

    curl -s localhost:8080/graphql -H 'Content-Type: application/json' \
      -d '{"query":"{ leaderboards { id season } modes { name game seats } }"}'
    http://127.0.0.1:8080/graphql

  Demo data: eight accounts (demo1@arena.example / arena-demo-1 ...) play rated games of four until
  each has three (run again, it adds nothing):

    make seed

TXT
