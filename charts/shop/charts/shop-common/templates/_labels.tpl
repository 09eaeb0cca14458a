{{/*
Labels. Selector labels are the stable subset; the full set adds chart, version,
environment and the global commonLabels (sorted, so output is stable).
*/}}

{{- define "shop-common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shop-common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shop-common.labels" -}}
{{- include "shop-common.labels.component" (dict "context" . "component" (.Values.component | default "service")) -}}
{{- end -}}

{{/*
Full label set with an explicit component (for jobs, tests and workers of a chart).
Usage: include "shop-common.labels.component" (dict "context" $ "component" "migration")
*/}}
{{- define "shop-common.labels.component" -}}
{{- $component := .component -}}
{{- with .context -}}
{{- $global := .Values.global | default dict -}}
helm.sh/chart: {{ include "shop-common.chart" . }}
{{ include "shop-common.selectorLabels" . }}
{{- with .Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: {{ $component }}
{{- with $global.environment }}
shop.example.com/environment: {{ . }}
{{- end }}
{{- $common := merge (dict) (.Values.commonLabels | default dict) ($global.commonLabels | default dict) -}}
{{- range $key := keys $common | sortAlpha }}
{{ $key }}: {{ index $common $key | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Pod annotations: checksums of the rendered config so pods roll when it changes,
plus user supplied annotations rendered through tpl.
Usage: include "shop-common.podAnnotations" (dict "context" $ "checksums" (list "configmap.yaml" "secret.yaml"))
*/}}
{{- define "shop-common.podAnnotations" -}}
{{- $ctx := .context -}}
{{- range $file := .checksums }}
checksum/{{ trimSuffix ".yaml" $file }}: {{ include (print $ctx.Template.BasePath "/" $file) $ctx | sha256sum }}
{{- end }}
{{- with $ctx.Values.podAnnotations }}
{{ include "shop-common.tplvalues.render" (dict "value" . "context" $ctx) }}
{{- end }}
{{- end -}}
