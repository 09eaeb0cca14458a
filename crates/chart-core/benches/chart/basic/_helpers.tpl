{{/* Bitnami-style helpers written with Go builtins, include and tpl only. */}}
{{- define "app.name" -}}
{{- if .Values.nameOverride -}}{{ .Values.nameOverride }}{{- else -}}{{ .Chart.Name }}{{- end -}}
{{- end -}}

{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride -}}
{{- else -}}
{{- $name := include "app.name" . -}}
{{- if eq .Release.Name $name -}}{{ .Release.Name }}{{- else -}}{{ printf "%s-%s" .Release.Name $name }}{{- end -}}
{{- end -}}
{{- end -}}

{{- define "app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version -}}
{{- end -}}

{{- define "common.tplvalues.render" -}}
{{- tpl . $ -}}
{{- end -}}

{{- define "common.labels.standard" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
helm.sh/chart: {{ include "app.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- range $k, $v := .Values.commonLabels }}
{{ $k }}: {{ tpl $v $ }}
{{- end }}
{{- end -}}

{{- define "common.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "common.annotations" -}}
{{- range $k, $v := .Values.commonAnnotations }}
{{ $k }}: {{ printf "%q" (tpl $v $) }}
{{- end }}
{{- end -}}

{{- define "common.images.image" -}}
{{- $registry := .Values.image.registry -}}
{{- if .Values.global -}}{{- if .Values.global.imageRegistry -}}{{- $registry = .Values.global.imageRegistry -}}{{- end -}}{{- end -}}
{{- $sep := ":" -}}
{{- $tag := .Values.image.tag -}}
{{- if .Values.image.digest -}}{{- $sep = "@" -}}{{- $tag = .Values.image.digest -}}{{- end -}}
{{- if $registry -}}
{{- printf "%s/%s%s%s" $registry .Values.image.repository $sep $tag -}}
{{- else -}}
{{- printf "%s%s%s" .Values.image.repository $sep $tag -}}
{{- end -}}
{{- end -}}

{{- define "common.images.pullSecrets" -}}
{{- if .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range .Values.global.imagePullSecrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "common.affinities.pods.soft" -}}
preferredDuringSchedulingIgnoredDuringExecution:
  - podAffinityTerm:
      labelSelector:
        matchLabels:
          app.kubernetes.io/name: {{ include "app.name" . }}
          app.kubernetes.io/instance: {{ .Release.Name }}
      topologyKey: kubernetes.io/hostname
    weight: 1
{{- end -}}

{{- define "common.affinities.pods.hard" -}}
requiredDuringSchedulingIgnoredDuringExecution:
  - labelSelector:
      matchLabels:
        app.kubernetes.io/name: {{ include "app.name" . }}
        app.kubernetes.io/instance: {{ .Release.Name }}
    topologyKey: kubernetes.io/hostname
{{- end -}}

{{- define "common.affinities.pods" -}}
{{- if eq .Values.podAntiAffinityPreset "soft" }}{{ include "common.affinities.pods.soft" . }}{{ else if eq .Values.podAntiAffinityPreset "hard" }}{{ include "common.affinities.pods.hard" . }}{{ end -}}
{{- end -}}

{{- define "common.affinities.nodes.hard" -}}
requiredDuringSchedulingIgnoredDuringExecution:
  nodeSelectorTerms:
    - matchExpressions:
        - key: {{ .Values.nodeAffinityPreset.key }}
          operator: In
          values:
            {{- range .Values.nodeAffinityPreset.values }}
            - {{ printf "%q" . }}
            {{- end }}
{{- end -}}

{{- define "app.probe" -}}
initialDelaySeconds: {{ .initialDelaySeconds }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end -}}
