{{/*
Resources: explicit .Values.resources wins; otherwise a preset by name
(nano, small, medium, large), scaled up in production.
*/}}
{{- define "shop-common.resources.preset" -}}
{{- $presets := dict
  "nano" (dict "requests" (dict "cpu" "50m" "memory" "64Mi") "limits" (dict "cpu" "150m" "memory" "128Mi"))
  "small" (dict "requests" (dict "cpu" "100m" "memory" "128Mi") "limits" (dict "cpu" "300m" "memory" "256Mi"))
  "medium" (dict "requests" (dict "cpu" "250m" "memory" "256Mi") "limits" (dict "cpu" "750m" "memory" "512Mi"))
  "large" (dict "requests" (dict "cpu" "500m" "memory" "512Mi") "limits" (dict "cpu" "1500m" "memory" "1Gi"))
-}}
{{- if not (hasKey $presets .type) -}}
{{- fail (printf "unknown resources preset %q (expected one of: %s)" .type (keys $presets | sortAlpha | join ", ")) -}}
{{- end -}}
{{- index $presets .type | toYaml -}}
{{- end -}}

{{- define "shop-common.resources" -}}
{{- $global := .Values.global | default dict -}}
{{- if .Values.resources -}}
{{- toYaml .Values.resources -}}
{{- else -}}
{{- $preset := .Values.resourcesPreset | default "small" -}}
{{- if and (eq ($global.environment | default "") "production") (eq $preset "nano") -}}
{{- $preset = "small" -}}
{{- end -}}
{{- include "shop-common.resources.preset" (dict "type" $preset) -}}
{{- end -}}
{{- end -}}

{{/* Security contexts shared by all service containers. */}}
{{- define "shop-common.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAsUser | default 1000 }}
fsGroup: {{ .Values.runAsUser | default 1000 }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "shop-common.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .Values.readOnlyRootFilesystem | default false }}
capabilities:
  drop:
    - ALL
{{- end -}}
