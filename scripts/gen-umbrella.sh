#!/usr/bin/env bash
# Generate a benchmark umbrella chart with N copies of a helper-heavy subchart.
#
# Usage: scripts/gen-umbrella.sh N OUTDIR
#   Writes OUTDIR/Chart.yaml, values.yaml, templates/ and OUTDIR/charts/svc-001 .. svc-N.
#   OUTDIR is created; an existing OUTDIR/charts/svc-* tree is replaced.
#   Render with: helm template bench OUTDIR
#
# Each subchart has its own named templates (prefixed with its name), uses include heavily
# (labels, names, image, env, probes, resources, checksums of other templates) and tpl
# (values that contain template expressions, a config file from .Files rendered with tpl).
# Output is deterministic (no random or time functions).
set -euo pipefail

if [ $# -ne 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N OUTDIR   (N >= 1)" >&2
  exit 2
fi
N=$1
OUT=$2
mkdir -p "$OUT/templates" "$OUT/charts"
rm -rf "$OUT"/charts/svc-*

# ---------------------------------------------------------------- umbrella
{
  cat <<EOF
apiVersion: v2
name: bench
description: "Generated benchmark umbrella with $N helper-heavy subcharts."
type: application
version: 1.0.0
appVersion: "1.0.0"
dependencies:
EOF
  for i in $(seq 1 "$N"); do
    s=$(printf 'svc-%03d' "$i")
    cat <<EOF
  - name: $s
    version: 0.1.0
    repository: file://charts/$s
    condition: $s.enabled
EOF
  done
} > "$OUT/Chart.yaml"

{
  cat <<'EOF'
global:
  registry: registry.example.com/bench
  imageTag: "2.3.4"
  domain: bench.example.com
  environment: staging
  commonLabels:
    app.kubernetes.io/part-of: bench
    team: perf
  extraEnv:
    BENCH_DOMAIN: '{{ .Values.global.domain }}'
    BENCH_ENV: '{{ .Values.global.environment | upper }}'
    BENCH_RELEASE: '{{ .Release.Name }}-{{ .Release.Namespace }}'
EOF
  for i in $(seq 1 "$N"); do
    s=$(printf 'svc-%03d' "$i")
    echo "$s:"
    echo "  enabled: true"
    echo "  replicaCount: $(( i % 3 + 1 ))"
  done
} > "$OUT/values.yaml"

cat > "$OUT/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-bench-index
data:
  services: |
    {{- range $name, $v := .Values }}
    {{- if and (kindIs "map" $v) (hasPrefix "svc-" $name) }}
    {{ $name }}: {{ ternary "enabled" "disabled" (ne (toString $v.enabled) "false") }}
    {{- end }}
    {{- end }}
EOF

# ---------------------------------------------------------------- subchart template
write_subchart() {
  local s=$1 i=$2 dir="$OUT/charts/$1"
  mkdir -p "$dir/templates" "$dir/files"
  cat > "$dir/Chart.yaml" <<EOF
apiVersion: v2
name: $s
description: "Generated service $s."
type: application
version: 0.1.0
appVersion: "1.$i.0"
EOF
  cat > "$dir/values.yaml" <<EOF
replicaCount: 1
image:
  repository: bench/$s
  tag: ""
service:
  port: 80
  targetPort: 8080
connectionString: 'Host={{ include "$s.peerHost" (dict "context" . "peer" "db") }};Database={{ .Values.database }};Pool={{ .Values.pool }}'
database: ${s//-/_}_db
pool: $(( 10 + i % 7 ))
config:
EOF
  for k in $(seq 1 12); do
    echo "  key$k: '{{ .Values.database }}-$k-{{ .Release.Name | upper }}-{{ include \"$s.fullname\" . }}'" >> "$dir/values.yaml"
  done
  cat >> "$dir/values.yaml" <<'EOF'
env:
  LOG_LEVEL: info
  PEERS: '{{ range $i, $p := .Values.peers }}{{ if $i }},{{ end }}{{ $p }}{{ end }}'
peers: [alpha, beta, gamma, delta]
probes:
  liveness: {path: /live, initialDelaySeconds: 5}
  readiness: {path: /ready, periodSeconds: 5}
  startup: {path: /ready, failureThreshold: 30}
resources:
  requests: {cpu: 50m, memory: 64Mi}
  limits: {memory: 128Mi}
podAnnotations:
  bench/service: '{{ .Chart.Name }}'
  bench/version: '{{ .Chart.AppVersion }}'
EOF
  cat > "$dir/files/app.properties" <<'EOF'
# rendered with tpl
service.name={{ .Chart.Name }}
service.replicas={{ .Values.replicaCount }}
{{- range $k, $v := .Values.config }}
config.{{ $k }}={{ tpl $v $ }}
{{- end }}
{{- range .Values.peers }}
peer.{{ . }}={{ . }}.{{ $.Values.global.domain }}
{{- end }}
EOF
  sed "s/__S__/$s/g" > "$dir/templates/_helpers.tpl" <<'EOF'
{{- define "__S__.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "__S__.fullname" -}}
{{- $name := include "__S__.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "__S__.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "__S__.selectorLabels" -}}
app.kubernetes.io/name: {{ include "__S__.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "__S__.labels" -}}
helm.sh/chart: {{ include "__S__.chart" . }}
{{ include "__S__.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- range $k, $v := .Values.global.commonLabels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{- define "__S__.peerHost" -}}
{{- printf "%s-%s.%s.svc.cluster.local" (include "__S__.fullname" .context) .peer .context.Release.Namespace -}}
{{- end -}}

{{- define "__S__.image" -}}
{{- $tag := .Values.image.tag | default .Values.global.imageTag | default .Chart.AppVersion -}}
{{- printf "%s/%s:%s" .Values.global.registry .Values.image.repository $tag -}}
{{- end -}}

{{- define "__S__.tplvalue" -}}
{{- if typeIs "string" .value }}{{ tpl .value .context }}{{ else }}{{ tpl (toYaml .value) .context }}{{ end -}}
{{- end -}}

{{- define "__S__.env" -}}
{{- $env := merge (dict) .Values.env .Values.global.extraEnv -}}
{{- range $k := keys $env | sortAlpha }}
- name: {{ $k }}
  value: {{ include "__S__.tplvalue" (dict "value" (index $env $k) "context" $) | quote }}
{{- end }}
{{- end -}}

{{- define "__S__.probe" -}}
httpGet:
  path: {{ .probe.path }}
  port: http
initialDelaySeconds: {{ .probe.initialDelaySeconds | default 0 }}
periodSeconds: {{ .probe.periodSeconds | default 10 }}
failureThreshold: {{ .probe.failureThreshold | default 3 }}
{{- end -}}

{{- define "__S__.probes" -}}
{{- range $kind := list "liveness" "readiness" "startup" }}
{{ $kind }}Probe:
  {{- include "__S__.probe" (dict "probe" (index $.Values.probes $kind)) | nindent 2 }}
{{- end }}
{{- end -}}
EOF
  sed "s/__S__/$s/g" > "$dir/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "__S__.fullname" . }}
  labels:
    {{- include "__S__.labels" . | nindent 4 }}
data:
  {{- range $k, $v := .Values.config }}
  {{ $k }}: {{ tpl $v $ | quote }}
  {{- end }}
  app.properties: |
    {{- tpl (.Files.Get "files/app.properties") . | nindent 4 }}
EOF
  sed "s/__S__/$s/g" > "$dir/templates/secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "__S__.fullname" . }}
  labels:
    {{- include "__S__.labels" . | nindent 4 }}
type: Opaque
data:
  connectionString: {{ tpl .Values.connectionString . | b64enc | quote }}
  token: {{ printf "%s/%s" .Release.Name .Chart.Name | sha256sum | b64enc | quote }}
EOF
  sed "s/__S__/$s/g" > "$dir/templates/service.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: {{ include "__S__.fullname" . }}
  labels:
    {{- include "__S__.labels" . | nindent 4 }}
spec:
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
  selector:
    {{- include "__S__.selectorLabels" . | nindent 4 }}
EOF
  sed "s/__S__/$s/g" > "$dir/templates/deployment.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "__S__.fullname" . }}
  labels:
    {{- include "__S__.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "__S__.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "__S__.selectorLabels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
        checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
        {{- include "__S__.tplvalue" (dict "value" .Values.podAnnotations "context" .) | nindent 8 }}
    spec:
      containers:
        - name: {{ include "__S__.name" . }}
          image: {{ include "__S__.image" . | quote }}
          ports:
            - name: http
              containerPort: {{ .Values.service.targetPort }}
          env:
            {{- include "__S__.env" . | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "__S__.fullname" . }}
            - secretRef:
                name: {{ include "__S__.fullname" . }}
          {{- include "__S__.probes" . | nindent 10 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
EOF
}

for i in $(seq 1 "$N"); do
  write_subchart "$(printf 'svc-%03d' "$i")" "$i"
done
echo "wrote $OUT with $N subcharts"
