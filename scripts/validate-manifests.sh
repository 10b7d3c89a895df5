#!/usr/bin/env bash
# Validates the Kubernetes example in container/k8s:
#   1. every manifest against the Kubernetes OpenAPI schemas, strict (unknown fields are errors), with the PyPI
#      package kubernetes-validate; kustomization.yaml must list exactly the manifests of the folder;
#   2. the ConfigMap's tollgate.yaml and the Secret's accounts.yaml pass `tollgate check` (extracted side by side
#      as config/ and accounts/, as they are mounted in the pod);
#   3. the manifests agree with each other and with that config (ports, probes, mounts, hardening).
# Usage: scripts/validate-manifests.sh [TOLLGATE_BINARY]   (default .build/debug/tollgate)
# Environment: K8S_DIR (default container/k8s), K8S_VERSION (default 1.31.0: schemas of that release).
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."

tollgate=${1:-.build/debug/tollgate}
case $tollgate in
    /*) ;;
    *) [ -e "$here/$tollgate" ] && tollgate="$here/$tollgate" ;;
esac
k8s_dir=${K8S_DIR:-container/k8s}
k8s_version=${K8S_VERSION:-1.31.0}
validator_version=1.37.0

if [ ! -x "$tollgate" ]; then
    echo "validate-manifests: $tollgate is not an executable tollgate binary (build it first)" >&2
    exit 2
fi

# Same pin as scripts/deps.sh; PIP_BREAK_SYSTEM_PACKAGES lets pip install into Debian 12's own python3.
if ! python3 -c "import sys, yaml, kubernetes_validate.version as v; sys.exit(v.__version__ != '$validator_version')" \
    2>/dev/null; then
    echo "validate-manifests: installing kubernetes-validate==$validator_version" >&2
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check \
        --root-user-action=ignore "kubernetes-validate==$validator_version" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

manifests=()
for f in "$k8s_dir"/*.yaml "$k8s_dir"/*.yml; do
    [ -e "$f" ] || continue
    [ "$(basename "$f")" = kustomization.yaml ] && continue
    manifests+=("$f")
done
if [ ${#manifests[@]} -eq 0 ]; then
    echo "validate-manifests: no manifests in $k8s_dir" >&2
    exit 1
fi

# 1. Schemas. kubernetes-validate only warns (exit 0) about a kind or apiVersion it has no schema for, e.g. a
#    typo: any WARN line fails here too.
echo "== kubernetes-validate $validator_version --strict -k $k8s_version"
if ! python3 -m kubernetes_validate --strict -k "$k8s_version" "${manifests[@]}" >"$tmp/schema.out" 2>&1; then
    failed=1
fi
cat "$tmp/schema.out"
if grep -Eq '^(WARN|ERROR|FATAL)' "$tmp/schema.out"; then
    failed=1
fi

# 2 and 3. Extract the config and the accounts file; check that the manifests agree.
echo "== consistency of $k8s_dir"
if ! python3 - "$k8s_dir" "$tmp" <<'PY'; then
import base64
import os
import posixpath
import re
import sys

import yaml

k8s_dir, out_dir = sys.argv[1], sys.argv[2]
failures = []
passed = []


def check(ok, what, problem):
    """Records one assertion: `what` when it holds, `problem` (the reason) when it does not."""
    if ok:
        passed.append(what)
        print(f"ok    {what}")
    else:
        failures.append(problem)
        print(f"FAIL  {problem}")
    return ok


class StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; kubectl refuses such a file: refuse it here too."""


def no_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", node.value[i][0].start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, no_duplicates)


def load_docs(path):
    with open(path) as f:
        try:
            return [d for d in yaml.load_all(f, Loader=StrictLoader) if d]
        except yaml.YAMLError as e:
            print(f"FAIL  {path}: {e}")
            sys.exit(1)


# -- kustomization: resources exist, and every manifest of the folder is listed --------------------------------
kustomization = load_docs(os.path.join(k8s_dir, "kustomization.yaml"))[0]
resources = kustomization.get("resources") or []
missing = [r for r in resources if not os.path.isfile(os.path.join(k8s_dir, r))]
check(not missing, "kustomization.yaml: every listed resource exists",
      f"kustomization.yaml lists missing file(s): {', '.join(missing)}")
present = sorted(f for f in os.listdir(k8s_dir)
                 if f.endswith((".yaml", ".yml")) and f != "kustomization.yaml")
unlisted = [f for f in present if f not in resources]
check(not unlisted, "kustomization.yaml: every manifest of the folder is listed",
      f"kustomization.yaml does not list: {', '.join(unlisted)}")

objects = []
for name in present:
    docs = load_docs(os.path.join(k8s_dir, name))
    check(bool(docs), f"{name}: holds at least one object", f"{name} holds no Kubernetes object")
    objects += docs


def one(kind):
    found = [o for o in objects if o.get("kind") == kind]
    if len(found) != 1:
        print(f"FAIL  expected exactly one {kind}, found {len(found)}")
        sys.exit(1)
    return found[0]


deployment, service, configmap, secret = one("Deployment"), one("Service"), one("ConfigMap"), one("Secret")
policies = [o for o in objects if o.get("kind") == "NetworkPolicy"]
pod = deployment["spec"]["template"]["spec"]
containers = pod.get("containers") or []
all_containers = containers + (pod.get("initContainers") or [])
sidecars = [c for c in containers if c.get("name") == "tollgate"]
if len(sidecars) != 1:
    print("FAIL  the Deployment needs exactly one container named tollgate")
    sys.exit(1)
sidecar = sidecars[0]
apps = [c for c in containers if c is not sidecar]
check(bool(apps), "deployment: an app container runs beside tollgate", "the Deployment has no app container")

# -- extract the config and the accounts file as the pod sees them ---------------------------------------------
def secret_value(obj, key):
    if key in (obj.get("stringData") or {}):
        return obj["stringData"][key]
    if key in (obj.get("data") or {}):
        return base64.b64decode(obj["data"][key]).decode()
    return None


config_text = (configmap.get("data") or {}).get("tollgate.yaml")
accounts_text = secret_value(secret, "accounts.yaml")
if not check(config_text is not None, "configmap: has key tollgate.yaml", "the ConfigMap has no key tollgate.yaml") \
        or not check(accounts_text is not None, "secret: has key accounts.yaml",
                     "the Secret has no key accounts.yaml"):
    sys.exit(1)
for sub, name, text in (("config", "tollgate.yaml", config_text), ("accounts", "accounts.yaml", accounts_text)):
    os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    with open(os.path.join(out_dir, sub, name), "w") as f:
        f.write(text)
config = yaml.safe_load(config_text)
# `tollgate check` reports lines of the extracted files: say where they start in the manifests.
with open(os.path.join(out_dir, "where.txt"), "w") as f:
    for manifest, key, extracted in (("configmap.yaml", "tollgate.yaml", "config/tollgate.yaml"),
                                     ("secret.yaml", "accounts.yaml", "accounts/accounts.yaml")):
        path = os.path.join(k8s_dir, manifest)
        lines = open(path).read().splitlines() if os.path.isfile(path) else []
        at = next((i + 1 for i, line in enumerate(lines) if re.match(rf"\s+{re.escape(key)}:\s*[|>]", line)), None)
        if at:
            f.write(f"line N of {extracted} is line N+{at} of {path}\n")


# -- helpers -----------------------------------------------------------------------------------------------------
def host_port(address):
    """'0.0.0.0:8080' / '[::]:8080' -> (host, port)."""
    m = re.fullmatch(r"\[?([^\]]*)\]?:(\d+)", str(address))
    return (m.group(1), int(m.group(2))) if m else (None, None)


def container_port(container, port):
    """A port number or a port name of `container` -> the number, or None when the name is unknown."""
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p["containerPort"]
    return int(port) if str(port).isdigit() else None


def seconds(duration):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", str(duration))
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


listens = config.get("listen")
listens = listens if isinstance(listens, list) else [listens]
listen_ports = {host_port(a)[1] for a in listens}
admin_host, admin_port = host_port(config.get("admin_listen", ""))
up = re.fullmatch(r"http://([^/:]+|\[[^\]]+\]):(\d+)/?", str(config.get("upstream", "")))
upstream_host, upstream_port = (up.group(1), int(up.group(2))) if up else (None, None)
sidecar_ports = {p["containerPort"] for p in sidecar.get("ports") or []}
app_binds = []
for app in apps:
    values = [e.get("value", "") for e in app.get("env") or []] + list(app.get("args") or []) \
        + list(app.get("command") or [])
    for v in values:
        m = re.search(r"(?:^|=)(\[?[0-9A-Za-z.:]*\]?:\d+)$", str(v))
        if m:
            app_binds.append((app["name"], *host_port(m.group(1))))
app_ports = {port for _, _, port in app_binds} | {upstream_port}
app_ports |= {p["containerPort"] for a in apps for p in a.get("ports") or []}

# -- Service -> tollgate's listener only ---------------------------------------------------------------------------
selector = service["spec"].get("selector") or {}
labels = deployment["spec"]["template"]["metadata"].get("labels") or {}
check(selector and all(labels.get(k) == v for k, v in selector.items()),
      "service: selector matches the pod template's labels",
      f"service selector {selector} does not match the pod labels {labels}")
service_targets = []
for p in service["spec"].get("ports") or []:
    target = p.get("targetPort", p.get("port"))
    number = container_port(sidecar, target)
    service_targets.append(number)
    shown = f"{target!r} (= {number})" if isinstance(target, str) else f"{target}"
    check(number in listen_ports and number != admin_port and number not in app_ports,
          f"service: port {p.get('port')} targets tollgate's listener {shown}",
          f"service port {p.get('port')} targets {shown}: must be tollgate's named listen port "
          f"{sorted(listen_ports)}, never the admin port {admin_port} nor the app's {sorted(app_ports)}")
check(bool(service_targets), "service: has ports", "the Service has no ports")

# -- config listen/admin vs the sidecar's ports and probes ----------------------------------------------------------
check(listen_ports <= sidecar_ports,
      f"config: listen port(s) {sorted(listen_ports)} are tollgate container ports",
      f"config listen port(s) {sorted(listen_ports)} are not all container ports of tollgate "
      f"{sorted(sidecar_ports)}")
check(admin_port in sidecar_ports and admin_port not in listen_ports,
      f"config: admin_listen port {admin_port} is a tollgate container port, apart from listen",
      f"config admin_listen port {admin_port} must be a tollgate container port {sorted(sidecar_ports)} "
      f"other than listen {sorted(listen_ports)}")
check(admin_host in ("0.0.0.0", "::"),
      f"config: admin_listen host {admin_host} is reachable by the kubelet's probes",
      f"config admin_listen host {admin_host!r} is not reachable by the kubelet's probes (pod IP): use 0.0.0.0")
for probe_name, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
    probe = sidecar.get(probe_name)
    if not check(probe is not None and "httpGet" in probe, f"tollgate: has an httpGet {probe_name}",
                 f"the tollgate container has no httpGet {probe_name}"):
        continue
    port = container_port(sidecar, probe["httpGet"].get("port"))
    check(port == admin_port and probe["httpGet"].get("path") == path,
          f"tollgate: {probe_name} GETs {path} on the admin port {admin_port}",
          f"tollgate {probe_name} must GET {path} on admin_listen's port {admin_port}, "
          f"not {probe['httpGet'].get('path')} on port {probe['httpGet'].get('port')} (= {port})")
if sidecar.get("startupProbe"):
    port = container_port(sidecar, (sidecar["startupProbe"].get("httpGet") or {}).get("port"))
    check(port == admin_port, "tollgate: startupProbe uses the admin port",
          f"tollgate startupProbe must use admin_listen's port {admin_port}, not {port}")

# -- the app: loopback only, on the upstream's port ---------------------------------------------------------------
check(upstream_host in ("127.0.0.1", "localhost"),
      f"config: upstream {config.get('upstream')} is the pod's loopback",
      f"config upstream {config.get('upstream')!r} must be http://127.0.0.1:PORT (the app in the same pod)")
for app in apps:
    binds = [(h, p) for name, h, p in app_binds if name == app["name"]]
    check(bool(binds) and all(h == "127.0.0.1" for h, _ in binds),
          f"{app['name']}: binds 127.0.0.1 only ({binds})",
          f"app container {app['name']} must be told to bind 127.0.0.1 (env or args host:port), found {binds}")
    check(any(p == upstream_port for _, p in binds),
          f"{app['name']}: binds the upstream port {upstream_port}",
          f"app container {app['name']} binds {binds}, not tollgate's upstream port {upstream_port}")

# -- NetworkPolicy: tollgate's listener only ----------------------------------------------------------------------
for policy in policies:
    ports = [container_port(sidecar, p.get("port")) for rule in policy["spec"].get("ingress") or []
             for p in rule.get("ports") or [None] if p is not None]
    open_all = any(not rule.get("ports") for rule in policy["spec"].get("ingress") or [])
    check(ports and not open_all and set(ports) <= listen_ports,
          f"networkpolicy {policy['metadata']['name']}: admits tollgate's listener {sorted(listen_ports)} only",
          f"networkpolicy {policy['metadata']['name']} must admit only tollgate's listen port(s) "
          f"{sorted(listen_ports)}, admits {'every port' if open_all else ports}")

# -- mounts: the paths in the config are where the volumes are ------------------------------------------------------
volumes = {v["name"]: v for v in pod.get("volumes") or []}
mounts = {m["mountPath"].rstrip("/"): m for m in sidecar.get("volumeMounts") or []}


def mount_of(kind, key, name):
    for path, m in mounts.items():
        v = volumes.get(m["name"], {})
        if (v.get(kind) or {}).get(key) == name:
            return path
    return None


config_mount = mount_of("configMap", "name", configmap["metadata"]["name"])
accounts_mount = mount_of("secret", "secretName", secret["metadata"]["name"])
args = list(sidecar.get("command") or []) + list(sidecar.get("args") or [])
config_path = args[args.index("--config") + 1] if "--config" in args[:-1] else None
check(config_mount is not None and config_path == f"{config_mount}/tollgate.yaml",
      f"tollgate: --config {config_path} is the ConfigMap's tollgate.yaml",
      f"tollgate's --config {config_path} is not tollgate.yaml in the ConfigMap's mount {config_mount}")
accounts_path = posixpath.normpath(posixpath.join(posixpath.dirname(config_path or "/"),
                                                  str(config.get("accounts_file"))))
check(accounts_mount is not None and accounts_path == f"{accounts_mount}/accounts.yaml",
      f"config: accounts_file resolves to the Secret's {accounts_path}",
      f"config accounts_file {config.get('accounts_file')} resolves to {accounts_path}, not accounts.yaml in "
      f"the Secret's mount {accounts_mount}")
if accounts_mount and config_mount:
    check(os.path.relpath(accounts_mount, config_mount) == os.path.join("..", "accounts"),
          "mounts: config/ and accounts/ are siblings, as validate-manifests.sh extracts them",
          f"mounts {config_mount} and {accounts_mount} are not sibling config/ and accounts/ folders: "
          "`tollgate check` here would not test what the pod reads")
state = config.get("state_file") or ""
if state:
    state_dir = posixpath.dirname(state)
    writable = state_dir in mounts and "emptyDir" in volumes.get(mounts[state_dir]["name"], {}) \
        and not mounts[state_dir].get("readOnly")
    check(writable, f"config: state_file folder {state_dir} is a writable emptyDir",
          f"config state_file {state} is not in a writable emptyDir mount (the root filesystem is read-only)")

# -- shutdown: the grace period covers preStop + drain_timeout ------------------------------------------------------
grace = pod.get("terminationGracePeriodSeconds", 30)
drain = seconds((config.get("limits") or {}).get("drain_timeout", "20s"))
pre_stop = ((sidecar.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
longest_pre_stop = max(((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
                       for c in containers)
check(grace > longest_pre_stop,
      f"deployment: terminationGracePeriodSeconds {grace} > the longest preStop sleep {longest_pre_stop}s",
      f"terminationGracePeriodSeconds {grace} must exceed every container's preStop sleep "
      f"(longest {longest_pre_stop}s), or a container is killed before it gets SIGTERM")
check(drain is not None and grace > pre_stop + drain,
      f"deployment: terminationGracePeriodSeconds {grace} > preStop {pre_stop}s + drain_timeout {drain}s",
      f"terminationGracePeriodSeconds {grace} must exceed tollgate's preStop sleep {pre_stop}s + "
      f"drain_timeout {drain}s, or the kubelet kills requests still draining")

# -- every container: limits and hardening --------------------------------------------------------------------------
pod_sc = pod.get("securityContext") or {}
check((pod_sc.get("seccompProfile") or {}).get("type") == "RuntimeDefault",
      "pod: seccompProfile RuntimeDefault", "the pod's securityContext.seccompProfile.type must be RuntimeDefault")
for c in all_containers:
    name = c["name"]
    limits = (c.get("resources") or {}).get("limits") or {}
    requests = (c.get("resources") or {}).get("requests") or {}
    check("cpu" in limits and "memory" in limits and "cpu" in requests and "memory" in requests,
          f"{name}: resources requests and limits (cpu, memory)",
          f"container {name} needs resources.requests and resources.limits for cpu and memory")
    sc = c.get("securityContext") or {}
    check(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem",
          f"container {name} needs securityContext.readOnlyRootFilesystem: true")
    check(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True
          and sc.get("runAsUser", pod_sc.get("runAsUser", 0)) != 0,
          f"{name}: runAsNonRoot with a non-zero runAsUser",
          f"container {name} needs runAsNonRoot: true and a non-zero runAsUser")
    check(sc.get("allowPrivilegeEscalation") is False
          and "ALL" in ((sc.get("capabilities") or {}).get("drop") or []),
          f"{name}: no privilege escalation, all capabilities dropped",
          f"container {name} needs allowPrivilegeEscalation: false and capabilities.drop: [ALL]")

print(f"consistency: {len(passed)} ok, {len(failures)} FAILED" if failures else
      f"consistency: all {len(passed)} checks ok")
sys.exit(1 if failures else 0)
PY
    failed=1
fi

# 2. tollgate's own validation of the extracted files (file:line errors on stderr).
if [ -f "$tmp/config/tollgate.yaml" ]; then
    echo "== $tollgate check --config <ConfigMap tollgate.yaml> (accounts from the Secret)"
    if ! (cd "$tmp" && "$tollgate" check --config config/tollgate.yaml); then
        echo "FAIL  tollgate check rejected the ConfigMap's tollgate.yaml or the Secret's accounts.yaml" >&2
        [ -f "$tmp/where.txt" ] && sed 's/^/      /' "$tmp/where.txt" >&2
        failed=1
    fi
fi

if [ "$failed" -ne 0 ]; then
    echo "validate-manifests: FAILED ($k8s_dir)" >&2
    exit 1
fi
echo "validate-manifests: OK (${#manifests[@]} manifests in $k8s_dir, Kubernetes $k8s_version)"
