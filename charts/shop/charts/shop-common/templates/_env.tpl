{{/*
Container environment.
Every service gets the environment name and the public URLs derived from global.domain;
then global.extraEnv and .Values.env are merged (local wins) and each value is rendered
through tpl, so values may reference other values.
*/}}
{{- define "shop-common.env" -}}
{{- $global := .Values.global | default dict -}}
{{- $scheme := ternary "https" "http" (dig "tls" "enabled" false $global) -}}
- name: SHOP_ENVIRONMENT
  value: {{ $global.environment | default "development" | quote }}
- name: ASPNETCORE_ENVIRONMENT
  value: {{ $global.environment | default "development" | title | quote }}
- name: SHOP_PUBLIC_URL
  value: {{ printf "%s://%s" $scheme ($global.domain | default "localhost") | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- $env := merge (dict) (.Values.env | default dict) ($global.extraEnv | default dict) }}
{{- range $name := keys $env | sortAlpha }}
{{- $value := index $env $name }}
- name: {{ $name }}
  value: {{ tpl (toString $value) $ | quote }}
{{- end }}
{{- end -}}

{{/* envFrom: the service's own ConfigMap and Secret. */}}
{{- define "shop-common.envFrom" -}}
- configMapRef:
    name: {{ include "shop-common.fullname" . }}
- secretRef:
    name: {{ include "shop-common.fullname" . }}
{{- end -}}
