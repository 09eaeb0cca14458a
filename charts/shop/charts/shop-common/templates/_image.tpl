{{/*
Container image reference.
Precedence: .Values.image.registry > global.registry; .Values.image.tag > global.imageTag > .Chart.AppVersion.
A digest, when set, replaces the tag.
Usage: include "shop-common.image" (dict "image" .Values.image "context" $)
*/}}
{{- define "shop-common.image" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $registry := .image.registry | default $global.registry -}}
{{- $repository := required "image.repository is required" .image.repository -}}
{{- $tag := .image.tag | default $global.imageTag | default .context.Chart.AppVersion | toString -}}
{{- $ref := ternary (printf "%s/%s" $registry $repository) $repository (not (empty $registry)) -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- end -}}

{{/* Pull policy: local, then global, then a default that depends on the tag. */}}
{{- define "shop-common.imagePullPolicy" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $tag := .image.tag | default $global.imageTag | default "" | toString -}}
{{- coalesce .image.pullPolicy $global.imagePullPolicy (ternary "Always" "IfNotPresent" (eq $tag "latest")) -}}
{{- end -}}

{{/* imagePullSecrets from global and local lists, de-duplicated and sorted. */}}
{{- define "shop-common.imagePullSecrets" -}}
{{- $global := .Values.global | default dict -}}
{{- $names := list -}}
{{- range concat ($global.imagePullSecrets | default list) (.Values.imagePullSecrets | default list) -}}
{{- if kindIs "map" . -}}
{{- $names = append $names .name -}}
{{- else -}}
{{- $names = append $names . -}}
{{- end -}}
{{- end -}}
{{- if $names -}}
imagePullSecrets:
{{- range $names | uniq | sortAlpha }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}
