#!/usr/bin/env bash
# Checks the deployment files against the code, offline (no Docker daemon, Kubernetes cluster,
# Helm or Terraform provider on these machines; README "Deploying" says what this does and does not
# prove). Run by `make lint` and, as test Deploy.FilesPassTheirChecks, by `make test`.
#   scripts/check-deploy.sh [ARENA_BIN]      (default build/bin/arena)
# The metric names the rules and dashboards query are checked against a live server's /metrics
# by tests/deploy_pgtest.cpp (it needs PostgreSQL, Redis and NATS).
set -euo pipefail
cd "$(dirname "$0")/.."
arena=$(realpath "${1:-build/bin/arena}")
[ -x "$arena" ] || { echo "check-deploy: no arena binary at $arena (build first)" >&2; exit 2; }
for tool in node promtool docker-compose yamllint go; do
  command -v "$tool" >/dev/null || { echo "check-deploy: $tool is missing (scripts/deps.sh deploy installs it)" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
js=tools/js
step() { echo "check-deploy: $*"; }

step "Grafana dashboards are what tools/js/grafana-dashboards.mjs writes"
node $js/grafana-dashboards.mjs --check

step "Prometheus: config, rules, and a unit test for every alert"
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/rules/*.yml
promtool test rules deploy/prometheus/tests/*.yml
alerts=$(grep -ho '^ *- alert: [A-Za-z0-9]*' deploy/prometheus/rules/*.yml | awk '{print $3}' | sort -u)
tested=$(grep -ho '^ *alertname: [A-Za-z0-9]*' deploy/prometheus/tests/*.yml | awk '{print $2}' | sort -u)
untested=$(comm -23 <(echo "$alerts") <(echo "$tested"))
[ -z "$untested" ] || { echo "check-deploy: alerts without a promtool test: $untested" >&2; exit 1; }

step "yamllint on every YAML file of the deployment"
yamllint -c .yamllint.yml deploy docker-compose.yml helm/arena/Chart.yaml helm/arena/values.yaml helm/arena/ci

step "docker-compose config, and the settings and scrape targets of docker-compose.yml"
scripts/compose-env.sh "$tmp/compose.env" >/dev/null
# `config` validates the file as `config -q` does, and prints it resolved for the checks below.
ENV_FILE="$tmp/compose.env" docker-compose --env-file "$tmp/compose.env" -f docker-compose.yml config >"$tmp/compose.yaml"
node $js/check-compose.mjs "$tmp/compose.yaml" --arena "$arena" --dockerfile Dockerfile \
  --prometheus deploy/prometheus/prometheus.yml --nginx deploy/nginx/arena.conf

step "Dockerfile: the runtime stage installs every library arena links (or a package it depends on)"
listed=$(awk '/^FROM /{stage++} stage==2' Dockerfile | sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|useradd|mkdir|chown|arena)$' | sort -u)
closure=$listed  # the listed packages and everything they depend on, by the dpkg database here
frontier=$listed
while [ -n "$frontier" ]; do
  next=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' $frontier 2>/dev/null | tr ',|' '\n\n' |
    sed -E 's/\(.*\)//; s/:any//; s/^ *//; s/ *$//' | grep -v '^$' | sort -u | comm -23 - <(echo "$closure"))
  closure=$(printf '%s\n%s\n' "$closure" "$next" | grep -v '^$' | sort -u)
  frontier=$next
done
for lib in $(readelf -d "$arena" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
  case "$lib" in libasan.so* | libubsan.so*) continue ;; esac  # the sanitizer builds' runtimes
  file=$(realpath "$(ldd "$arena" | awk -v l="$lib" '$1 == l {print $3}')")
  pkg=$( (dpkg -S "$file" || dpkg -S "${file#/usr}") 2>/dev/null | head -1 | cut -d: -f1)  # usrmerge: either path
  [ -n "$pkg" ] || { echo "check-deploy: no Debian package provides $lib" >&2; exit 1; }
  grep -qx -- "$pkg" <<<"$closure" || { echo "check-deploy: Dockerfile's runtime stage lacks $pkg (for $lib)" >&2; exit 1; }
done
echo "  $(wc -w <<<"$listed") packages listed, $(wc -w <<<"$closure") with their dependencies"

step "Helm chart: rendered (tools/helm-render) with its default values and helm/arena/ci/*.yaml"
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$tmp/helm-render" ./tools/helm-render
for values in "" helm/arena/ci/*.yaml; do
  name=${values:-default values}
  out="$tmp/rendered-$(basename "${values:-default}" .yaml).yaml"
  "$tmp/helm-render" ${values:+-f "$values"} helm/arena >"$out"
  "$tmp/helm-render" --notes ${values:+-f "$values"} helm/arena >/dev/null
  echo "  $name: $(grep -c '^kind:' "$out") manifests"
  yamllint -c .yamllint.yml "$out"
  node $js/check-k8s-manifests.mjs "$out" --arena "$arena" --external-secret arena-external
done

step "Terraform (infra/): HCL, variables, module calls, and the chart values it sets"
node $js/check-terraform.mjs infra helm/arena

step "all deployment checks passed"
