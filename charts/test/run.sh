#!/usr/bin/env bash
# Tests of charts/hub and charts/agent:
#   1. helm lint (strict) of both charts, and the values schemas refusing bad values;
#   2. helm template of both charts in each mode, checked object by object;
#   3. a server-side dry-run apply of every rendered object against a real kube-apiserver
#      (the test bed's spoke2);
#   4. RBAC proof: the agent chart's ServiceAccount + RBAC really installed on spoke2, a token of
#      that ServiceAccount (TokenRequest), `kubectl auth can-i` with it, and the fleet-examples
#      "simple" fixtures deployed with it; a namespace-restricted install gets Forbidden elsewhere.
# Needs helm (tools/testbed/build.sh helm) and the test bed's apiservers (tools/testbed/up.sh).
# Everything it creates on spoke2 lives in throwaway namespaces gfchart-<id>-* and cluster objects
# named gfchart-<id>-*, and is deleted at the end. Prints "charts: N passed, M failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TESTBED_ENV="${GITFLEET_TESTBED_ENV:-$HOME/.cache/gitfleet/testbed/testbed.env}"
SPOKE="${GITFLEET_CHARTS_TEST_SPOKE:-spoke2}"
# the real-world fixtures beside the repository (../shared/fixtures); a clone without them skips the
# checks that deploy them, and says so once
FIXTURES="${GITFLEET_FIXTURES:-$(cd ../.. && pwd)/shared/fixtures}/fleet-examples/simple"
HAVE_FIXTURES=1
if [[ ! -d "$FIXTURES" ]]; then
  HAVE_FIXTURES=0
  echo "# the checks that deploy fleet-examples/simple are skipped: $FIXTURES is absent (a clone without ../shared)"
fi
KUBECONFIG_DIR="$HOME/.cache/gitfleet/testbed/kubeconfigs"
if [[ -s "$TESTBED_ENV" ]]; then
  KUBECONFIG_DIR=$(sed -n 's/^GITFLEET_KUBECONFIG_DIR=//p' "$TESTBED_ENV")
fi
ADMIN="$KUBECONFIG_DIR/$SPOKE.kubeconfig"

command -v helm >/dev/null || { echo "helm not on PATH: bash tools/testbed/build.sh helm (and run through tools/run.sh)" >&2; exit 1; }
[[ -s "$ADMIN" ]] || { echo "no kubeconfig $ADMIN: start the test bed (tools/testbed/up.sh apiservers)" >&2; exit 1; }

id=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
P="gfchart-$id"                    # prefix of everything created on the spoke
SYS="$P-sys" APP="$P-app" OTHER="$P-other" RSYS="$P-rsys" RAPP="$P-rapp" NEW="$P-new"
WORK=$(mktemp -d)
passed=0 failed=0

k() { kubectl --kubeconfig "$ADMIN" --request-timeout=20s "$@"; }
pass() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [[ -z "${2:-}" ]] || sed 's/^/        /' <<<"$2" | head -20; }
# check NAME CMD...: passes when CMD exits 0.
check() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
# refuses NAME PATTERN CMD...: passes when CMD fails and its output matches PATTERN (grep -E -i).
refuses() {
  local name=$1 pat=$2 out; shift 2
  if out=$("$@" 2>&1); then fail "$name (it succeeded)" "$out"
  elif grep -Eiq -- "$pat" <<<"$out"; then pass "$name"; printf '        -> %s\n' "$(grep -Ei -m1 -- "$pat" <<<"$out")"
  else fail "$name (wrong error)" "$out"; fi
}
section() { printf '\n== %s\n' "$*"; }

cleanup() {
  set +e
  section "cleanup (spoke $SPOKE, prefix $P)"
  local ns
  k delete clusterrole,clusterrolebinding -l "app.kubernetes.io/instance in ($P-c,$P-r)" --wait=false >/dev/null 2>&1
  for ns in "$APP" "$OTHER" "$RAPP" "$NEW" "$SYS" "$RSYS"; do
    k get ns "$ns" >/dev/null 2>&1 || continue
    k delete deployments,services,configmaps,secrets,serviceaccounts,roles,rolebindings --all -n "$ns" --wait=false >/dev/null 2>&1
    k delete ns "$ns" --wait=false >/dev/null 2>&1
    # A bare apiserver runs no namespace controller; its contents are gone, so finish it here.
    k get ns "$ns" -o json 2>/dev/null | python3 -c 'import json,sys; o=json.load(sys.stdin); o["spec"]["finalizers"]=[]; print(json.dumps(o))' |
      k replace --raw "/api/v1/namespaces/$ns/finalize" -f - >/dev/null 2>&1
  done
  rm -rf "$WORK"
  # Nothing may be left behind.
  local left
  left=$(k get ns,clusterroles,clusterrolebindings -o name 2>&1 | grep -F "/$P-" || true)
  if [[ -z "$left" ]]; then pass "removed namespaces $P-{sys,app,other,new,rsys,rapp} and the releases' cluster objects"
  else fail "left behind on $SPOKE" "$left"; fi
  set -e
}
trap cleanup EXIT # on an early exit; the normal path cleans up (and checks it) before the summary

# objects FILE: "Kind namespace/name" per rendered object, for assertions.
objects() {
  python3 -c '
import sys, yaml
for o in yaml.safe_load_all(open(sys.argv[1])):
    if o: print(o["kind"], (o["metadata"].get("namespace") or "-") + "/" + o["metadata"]["name"])
' "$1"
}
# yq-ish: prints python expression EXPR evaluated over the list `docs` of FILE's objects.
pyq() {
  python3 -c '
import sys, yaml, json
docs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
by = {(o["kind"], o["metadata"]["name"]): o for o in docs}
print(eval(sys.argv[2]))
' "$1" "$2"
}
has_all() {
  local f=$1 o list; shift; list=$(objects "$f")
  for o in "$@"; do grep -qxF -- "$o" <<<"$list" || { echo "missing: $o"; return 1; }; done
}
eqs() { local got; got=$(pyq "$1" "$2"); [[ "$got" == "$3" ]] || { echo "expected $3, got $got"; return 1; }; }

echo "charts tests: helm $(helm version --template '{{.Version}}'), spoke $SPOKE, prefix $P"

# --- 1. lint and schema --------------------------------------------------------------------------
section "helm lint"
check "helm lint --strict hub (ci/test-values.yaml)" helm lint --strict hub -f hub/ci/test-values.yaml
check "helm lint --strict agent (ci/test-values.yaml, cluster scope)" helm lint --strict agent -f agent/ci/test-values.yaml
check "helm lint --strict agent (ci/namespaces-values.yaml, namespace scope)" helm lint --strict agent -f agent/ci/namespaces-values.yaml

section "values refused by the schema / templates"
refuses "hub without secrets.databaseUrl" "databaseUrl is required" helm template t hub
refuses "hub with a non-postgres databaseUrl" "databaseUrl.*(pattern|does not match)|does not match pattern" \
  helm template t hub --set secrets.databaseUrl=mysql://x
refuses "hub without secrets.adminToken" "adminToken is required" helm template t hub --set secrets.databaseUrl=postgres://x@y/z
refuses "hub with a short secrets.adminToken" "adminToken.*(pattern|does not match)|does not match pattern" \
  helm template t hub --set secrets.databaseUrl=postgres://x@y/z --set secrets.adminToken=short
refuses "hub with an unknown top-level value" "additional ?propert" helm template t hub -f hub/ci/test-values.yaml --set replicas=2
refuses "hub with natsOperator.enabled but no NATS operator files" "natsCreds .*is required with natsOperator.enabled" \
  helm template t hub -f hub/ci/test-values.yaml --set natsOperator.enabled=true
refuses "hub with a natsAccountSigningKey that is no account seed" "natsAccountSigningKey|pattern" \
  helm template t hub -f hub/ci/test-values.yaml --set natsOperator.enabled=true --set secrets.natsAccountSigningKey=SOABC
refuses "agent without cluster.name" "cluster.name is required" helm template t agent --set hub.natsUrl=nats://n:4222
refuses "agent with a cluster name that is not DNS-1123" "cluster.*name|pattern" \
  helm template t agent -f agent/ci/test-values.yaml --set cluster.name=Spoke_2
refuses "agent with an http:// hub.natsUrl" "natsUrl|pattern" \
  helm template t agent -f agent/ci/test-values.yaml --set hub.natsUrl=http://n:4222
refuses "agent with rbac.scope=namespaces and no namespaces" "at least one entry in rbac.namespaces" \
  helm template t agent -f agent/ci/test-values.yaml --set rbac.scope=namespaces
refuses "agent with an unknown rbac.scope" "scope|enum|must be one of" \
  helm template t agent -f agent/ci/test-values.yaml --set rbac.scope=everything

# --- 2. template ---------------------------------------------------------------------------------
section "helm template"
HUB="$WORK/hub.yaml" AC="$WORK/agent-cluster.yaml" AR="$WORK/agent-ns.yaml"
helm template "$P-h" hub -n "$SYS" -f hub/ci/test-values.yaml >"$HUB"
helm template "$P-c" agent -n "$SYS" -f agent/ci/test-values.yaml --set namespace.create=false >"$AC"
helm template "$P-r" agent -n "$RSYS" -f agent/ci/namespaces-values.yaml --set namespace.create=false \
  --set "rbac.namespaces={$RAPP}" --set rbac.createNamespaces=false >"$AR"
objects "$HUB" | sed 's/^/        hub:   /'
objects "$AC" | sed 's/^/        agent: /'
check "hub renders Deployment, Service, ConfigMap, Secret, ServiceAccount, Ingress" has_all "$HUB" \
  "Deployment $SYS/$P-h-hub" "Service $SYS/$P-h-hub" "ConfigMap $SYS/$P-h-hub" "Secret $SYS/$P-h-hub" \
  "ServiceAccount $SYS/$P-h-hub" "Ingress $SYS/$P-h-hub"
check "agent renders ServiceAccount, Secret, ConfigMap, Deployment, ClusterRoles/Bindings, inventory Role/Binding" has_all "$AC" \
  "ServiceAccount $SYS/$P-c-agent" "Secret $SYS/$P-c-agent" "ConfigMap $SYS/$P-c-agent-hub" "Deployment $SYS/$P-c-agent" \
  "ClusterRole -/$P-c-agent-base" "ClusterRoleBinding -/$P-c-agent-base" "ClusterRole -/$P-c-agent-deploy" \
  "ClusterRoleBinding -/$P-c-agent-deploy" "Role $SYS/$P-c-agent-inventory" "RoleBinding $SYS/$P-c-agent-inventory"
check "agent renders its Namespace unless namespace.create=false" has_all \
  <(helm template "$P-c" agent -n "$SYS" -f agent/ci/test-values.yaml) "Namespace -/$SYS"
check "hub probes: liveness /healthz, readiness /readyz on the http port" eqs "$HUB" \
  '[(c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"], c["ports"][0]["containerPort"]) for c in by[("Deployment","'"$P-h-hub"'")]["spec"]["template"]["spec"]["containers"]]' \
  "[('/healthz', '/readyz', 8080)]"
check "hub settings: NATS URL, listen host in the ConfigMap; database URL from the Secret" eqs "$HUB" \
  '(by[("ConfigMap","'"$P-h-hub"'")]["data"]["GITFLEET_NATS_URL"], by[("ConfigMap","'"$P-h-hub"'")]["data"]["GITFLEET_HTTP_HOST"], [e["valueFrom"]["secretKeyRef"]["key"] for e in by[("Deployment","'"$P-h-hub"'")]["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"]=="GITFLEET_DATABASE_URL"])' \
  "('nats://nats:4222', '0.0.0.0', ['databaseUrl'])"
cat "$HUB" "$AC" >"$WORK/all.yaml"
check "hub and agent containers: non-root, read-only root filesystem, no privilege escalation, limits set" eqs "$WORK/all.yaml" \
  'sorted({(c["name"], d["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], c["securityContext"]["readOnlyRootFilesystem"], c["securityContext"]["allowPrivilegeEscalation"], "limits" in c["resources"]) for d in docs if d["kind"]=="Deployment" for c in d["spec"]["template"]["spec"]["containers"]})' \
  "[('agent', True, True, False, True), ('hub', True, True, False, True)]"
check "standard labels (app.kubernetes.io/name, instance, version, managed-by, part-of) on every object" eqs "$WORK/all.yaml" \
  'sorted({k for d in docs for k in ("app.kubernetes.io/name","app.kubernetes.io/instance","app.kubernetes.io/version","app.kubernetes.io/managed-by","app.kubernetes.io/part-of") if k not in d["metadata"].get("labels",{})})' \
  "[]"
check "agent env: cluster name, labels, NATS URL, own namespace, health port; probes /healthz, /readyz" eqs "$AC" \
  '[( {e["name"]: e.get("value") for e in c["env"]}["GITFLEET_CLUSTER"], {e["name"]: e.get("value") for e in c["env"]}["GITFLEET_CLUSTER_LABELS"], {e["name"]: e.get("value") for e in c["env"]}["GITFLEET_NATS_URL"], {e["name"]: e.get("value") for e in c["env"]}["GITFLEET_NAMESPACE"], {e["name"]: e.get("value") for e in c["env"]}["GITFLEET_HEALTH_PORT"], c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]) for c in by[("Deployment","'"$P-c-agent"'")]["spec"]["template"]["spec"]["containers"]]' \
  "[('spoke2', 'env=test,region=eu-west', 'nats://gitfleet-nats.gitfleet-system:4222', '$SYS', '8081', '/healthz', '/readyz')]"
check "agent: enrollment token in a Secret, hub public key in a ConfigMap mounted into the pod" eqs "$AC" \
  '(by[("Secret","'"$P-c-agent"'")]["stringData"]["token"], "BEGIN PUBLIC KEY" in by[("ConfigMap","'"$P-c-agent-hub"'")]["data"]["bundle-signing.pub"], [v["configMap"]["name"] for v in by[("Deployment","'"$P-c-agent"'")]["spec"]["template"]["spec"]["volumes"] if "configMap" in v])' \
  "('enroll-me', True, ['$P-c-agent-hub'])"
check "hub natsOperator.enabled: the four operator-mode files mounted from the Secret, their env set" eqs <(helm template t hub -f hub/ci/test-values.yaml \
  --set natsOperator.enabled=true --set secrets.natsCreds=hubcreds --set secrets.natsSystemCreds=syscreds \
  --set secrets.natsAccountSigningKey=SAKEY --set secrets.natsOperatorSigningKey=SOKEY) \
  '(sorted(e["name"] for c in by[("Deployment","t-hub")]["spec"]["template"]["spec"]["containers"] for e in c["env"] if e["name"].startswith("GITFLEET_NATS_") and e["name"] != "GITFLEET_NATS_URL"), [i["path"] for v in by[("Deployment","t-hub")]["spec"]["template"]["spec"]["volumes"] if v["name"] == "nats-operator" for i in v["secret"]["items"]])' \
  "(['GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE', 'GITFLEET_NATS_CREDS_FILE', 'GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE', 'GITFLEET_NATS_SYSTEM_CREDS_FILE'], ['hub.creds', 'system.creds', 'account-signing.nk', 'operator-signing.nk'])"
check "hub without natsOperator: no NATS operator env (the hub runs against NATS without auth)" eqs "$HUB" \
  '[e["name"] for c in by[("Deployment","'"$P-h-hub"'")]["spec"]["template"]["spec"]["containers"] for e in c["env"] if e["name"].startswith("GITFLEET_NATS_") and e["name"] != "GITFLEET_NATS_URL"]' "[]"
check "agent: enrolled credentials kept in the Secret <release>-nats; Secrets only in its own namespace (credentials, state cache)" eqs "$AC" \
  '([e.get("value") for c in by[("Deployment","'"$P-c-agent"'")]["spec"]["template"]["spec"]["containers"] for e in c["env"] if e["name"] == "GITFLEET_CREDENTIALS_SECRET"], [(r.get("resourceNames"), r["verbs"]) for r in by[("Role","'"$P-c-agent-inventory"'")]["rules"] if "secrets" in r["resources"]], by[("Role","'"$P-c-agent-inventory"'")]["metadata"]["namespace"])' \
  "(['$P-c-agent-nats'], [(None, ['create']), (['$P-c-agent-nats'], ['get', 'update', 'patch']), (None, ['get', 'list', 'update', 'patch', 'delete'])], '$SYS')"
check "agent: self-protection and state cache settings reach the agent (names as the chart makes them)" eqs "$AC" \
  '{e["name"]: e.get("value") for c in by[("Deployment","'"$P-c-agent"'")]["spec"]["template"]["spec"]["containers"] for e in c["env"] if e["name"] in ("GITFLEET_SELF_NAME","GITFLEET_SERVICE_ACCOUNT","GITFLEET_ALLOW_SELF_MANAGEMENT","GITFLEET_STATE_CACHE")}' \
  "{'GITFLEET_SELF_NAME': '$P-c-agent', 'GITFLEET_SERVICE_ACCOUNT': '$P-c-agent', 'GITFLEET_ALLOW_SELF_MANAGEMENT': 'false', 'GITFLEET_STATE_CACHE': 'secret'}"
check "agent cluster scope: ClusterRole * on * bound to the agent's ServiceAccount" eqs "$AC" \
  '(by[("ClusterRole","'"$P-c-agent-deploy"'")]["rules"], by[("ClusterRoleBinding","'"$P-c-agent-deploy"'")]["subjects"])' \
  "([{'apiGroups': ['*'], 'resources': ['*'], 'verbs': ['*']}], [{'kind': 'ServiceAccount', 'name': '$P-c-agent', 'namespace': '$SYS'}])"
check "agent namespace scope: Role per listed namespace, no cluster-wide deploy rights" eqs "$AR" \
  '(sorted((d["kind"], d["metadata"].get("namespace","-")) for d in docs if d["kind"] in ("Role","ClusterRole")), [r for d in docs if d["kind"]=="ClusterRole" for r in d["rules"]])' \
  "([('ClusterRole', '-'), ('Role', '$RAPP'), ('Role', '$RSYS')], [{'apiGroups': [''], 'resources': ['namespaces'], 'resourceNames': ['$RSYS', '$RAPP'], 'verbs': ['get']}])"
check "agent rbac.rules override replaces * on *" eqs <(helm template t agent -f agent/ci/test-values.yaml \
  --set 'rbac.rules[0].apiGroups={apps}' --set 'rbac.rules[0].resources={deployments}' --set 'rbac.rules[0].verbs={get,list,watch,create,update,patch,delete}') \
  '[d["rules"] for d in docs if d["kind"]=="ClusterRole" and d["metadata"]["name"].endswith("-deploy")]' \
  "[[{'apiGroups': ['apps'], 'resources': ['deployments'], 'verbs': ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']}]]"

# --- 3. server-side dry run ----------------------------------------------------------------------
section "server-side dry-run apply on $SPOKE"
for ns in "$SYS" "$APP" "$OTHER" "$RSYS" "$RAPP"; do k create ns "$ns" >/dev/null; done
echo "        created throwaway namespaces $P-{sys,app,other,rsys,rapp}"
dry() { k apply --server-side --dry-run=server --field-manager=gitfleet-charts-test -f "$1"; }
check "hub: every object accepted (dry-run=server)" dry "$HUB"
check "agent, cluster scope: every object accepted (dry-run=server)" dry "$AC"
check "agent, namespace scope: every object accepted (dry-run=server)" dry "$AR"
check "agent with namespace.create=true and createNamespaces: Namespace objects accepted (dry-run=server)" bash -c \
  "helm template $P-n agent -n $P-new -f agent/ci/namespaces-values.yaml --show-only templates/namespace.yaml --set 'rbac.namespaces={$P-new-a}' |
   kubectl --kubeconfig '$ADMIN' apply --server-side --dry-run=server -f -"

# --- 4. RBAC proof -------------------------------------------------------------------------------
# token_kubeconfig SA NS OUT: a kubeconfig for $SPOKE with a TokenRequest token of SA.
token_kubeconfig() {
  local sa=$1 ns=$2 out=$3 token server ca
  token=$(k create token "$sa" -n "$ns" --duration=10m)
  server=$(k config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(k config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: $SPOKE, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: $sa, user: {token: "$token"}}]
contexts: [{name: $sa, context: {cluster: $SPOKE, user: $sa}}]
current-context: $sa
EOF
  chmod 600 "$out"
}
rbac_only=(--show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml --show-only templates/secret.yaml)
# can NS-ARGS...: one line of the can-i table, "yes"/"no" from the agent's token.
canrow() {
  local kc=$1; shift
  printf '        %-62s %s\n' "$*" "$(kubectl --kubeconfig "$kc" auth can-i "$@" 2>/dev/null || true)"
}
can() { [[ "$(kubectl --kubeconfig "$1" auth can-i "${@:2}" 2>/dev/null)" == yes ]]; }
cannot() { ! can "$@"; }

section "RBAC, cluster scope: release $P-c, ServiceAccount $SYS/$P-c-agent"
check "install the chart's ServiceAccount + RBAC (helm template | kubectl apply --server-side)" bash -c \
  "helm template $P-c agent -n $SYS -f agent/ci/test-values.yaml ${rbac_only[*]} | kubectl --kubeconfig '$ADMIN' apply --server-side -f -"
check "TokenRequest for the ServiceAccount (kubectl create token)" token_kubeconfig "$P-c-agent" "$SYS" "$WORK/cluster.kubeconfig"
KC="$WORK/cluster.kubeconfig"
echo "        auth can-i with the agent's token:"
for q in "create deployments.apps -n $APP" "patch services -n $APP" "create namespaces" "get customresourcedefinitions.apiextensions.k8s.io" \
  "create configmaps -n $SYS" "delete configmaps -n $SYS" "list deployments.apps --all-namespaces" "watch services -n $APP"; do
  # shellcheck disable=SC2086
  canrow "$KC" $q
done
check "cluster scope can: create/patch/watch workloads anywhere, namespaces get+create, CRD get, inventory and hold ConfigMaps" bash -c "
  set -e; f() { [[ \$(kubectl --kubeconfig '$KC' auth can-i \"\$@\") == yes ]] || { echo \"cannot \$*\"; exit 1; }; }
  f create deployments.apps -n $APP; f patch services -n $APP; f watch services -n $APP; f list deployments.apps --all-namespaces
  f create namespaces; f get namespaces/$APP; f get customresourcedefinitions.apiextensions.k8s.io; f create configmaps -n $SYS; f delete configmaps -n $SYS
  f get configmaps/gitfleet-hold -n $SYS"
if (( HAVE_FIXTURES )); then
check "cluster scope: deploy the fleet-examples/simple fixtures into $APP with the agent's token" \
  kubectl --kubeconfig "$KC" apply --server-side --field-manager=gitfleet-agent -n "$APP" -f "$FIXTURES"
check "the fixtures are there (admin view: 3 Deployments, 3 Services in $APP)" bash -c \
  "[[ \$(kubectl --kubeconfig '$ADMIN' get deployments,services -n $APP -o name | wc -l) == 6 ]]"
fi
check "cluster scope: the agent creates a target namespace ($NEW) and an inventory ConfigMap in $SYS" bash -c "
  kubectl --kubeconfig '$KC' create namespace $NEW >/dev/null &&
  kubectl --kubeconfig '$KC' create configmap gitfleet-inventory-test -n $SYS --from-literal=objects='[]' >/dev/null"

section "RBAC, namespace scope: release $P-r, ServiceAccount $RSYS/$P-r-agent, allowed namespace $RAPP"
check "install the chart's ServiceAccount + RBAC (rbac.scope=namespaces, rbac.namespaces=[$RAPP])" bash -c \
  "helm template $P-r agent -n $RSYS -f agent/ci/namespaces-values.yaml --set 'rbac.namespaces={$RAPP}' --set rbac.createNamespaces=false ${rbac_only[*]} |
   kubectl --kubeconfig '$ADMIN' apply --server-side -f -"
check "TokenRequest for the restricted ServiceAccount" token_kubeconfig "$P-r-agent" "$RSYS" "$WORK/ns.kubeconfig"
KR="$WORK/ns.kubeconfig"
echo "        auth can-i with the restricted agent's token:"
for q in "create deployments.apps -n $RAPP" "patch services -n $RAPP" "get namespaces/$RAPP" "create configmaps -n $RSYS" \
  "create deployments.apps -n $OTHER" "get namespaces/$OTHER" "create namespaces" "list namespaces" \
  "get customresourcedefinitions.apiextensions.k8s.io" "list secrets -n kube-system" "create clusterroles.rbac.authorization.k8s.io"; do
  # shellcheck disable=SC2086
  canrow "$KR" $q
done
check "namespace scope can: workloads in $RAPP, get its Namespace, inventory and hold ConfigMaps in $RSYS" bash -c "
  set -e; f() { [[ \$(kubectl --kubeconfig '$KR' auth can-i \"\$@\") == yes ]] || { echo \"cannot \$*\"; exit 1; }; }
  f create deployments.apps -n $RAPP; f patch services -n $RAPP; f watch deployments.apps -n $RAPP; f get namespaces/$RAPP
  f get namespaces/$RSYS; f create configmaps -n $RSYS; f update configmaps -n $RSYS; f get configmaps/gitfleet-hold -n $RSYS"
check "namespace scope cannot: other namespaces, create/list namespaces, CRDs, secrets in kube-system, RBAC objects cluster-wide" bash -c "
  f() { [[ \$(kubectl --kubeconfig '$KR' auth can-i \"\$@\") == no ]] || { echo \"can \$*\"; exit 1; }; }
  f create deployments.apps -n $OTHER; f get deployments.apps -n $OTHER; f get namespaces/$OTHER; f create namespaces; f list namespaces
  f get customresourcedefinitions.apiextensions.k8s.io; f list secrets -n kube-system; f create clusterroles.rbac.authorization.k8s.io
  f create configmaps -n $OTHER; f list deployments.apps --all-namespaces"
if (( HAVE_FIXTURES )); then
check "namespace scope: deploy the fleet-examples/simple fixtures into $RAPP with the agent's token" \
  kubectl --kubeconfig "$KR" apply --server-side --field-manager=gitfleet-agent -n "$RAPP" -f "$FIXTURES"
refuses "namespace scope: the same fixtures into $OTHER are refused (Forbidden)" \
  "forbidden: User \"system:serviceaccount:$RSYS:$P-r-agent\" cannot (get|patch|create) resource" \
  kubectl --kubeconfig "$KR" apply --server-side --field-manager=gitfleet-agent -n "$OTHER" -f "$FIXTURES"
check "nothing reached $OTHER (admin view)" bash -c "[[ -z \$(kubectl --kubeconfig '$ADMIN' get deployments,services -n $OTHER -o name) ]]"
fi
refuses "namespace scope: creating a namespace is refused (Forbidden)" "forbidden" \
  kubectl --kubeconfig "$KR" create namespace "$P-nope"

trap - EXIT
cleanup
printf '\ncharts: %d passed, %d failed\n' "$passed" "$failed"
[[ $failed == 0 ]]
