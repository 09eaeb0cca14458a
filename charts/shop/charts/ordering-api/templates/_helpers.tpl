{{/* Overrides merged over shop-common.deployment. */}}
{{- define "ordering-api.deployment" -}}
metadata:
  annotations:
    shop.example.com/owner: ordering-team
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 60
{{- end -}}

{{/*
The background-tasks worker: the shop-common deployment with a different name, component
and arguments. Built by merging dicts over the base YAML.
*/}}
{{- define "ordering-api.backgroundTasks" -}}
{{- $base := fromYaml (include "shop-common.deployment" .) -}}
{{- $name := printf "%s-backgroundtasks" (include "shop-common.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- $_ := set $base.metadata "name" $name -}}
{{- $_ := set $base.metadata.labels "app.kubernetes.io/component" "worker" -}}
{{- $_ := set $base.spec "replicas" .Values.backgroundTasks.replicaCount -}}
{{- $sel := dict "app.kubernetes.io/name" $name "app.kubernetes.io/instance" .Release.Name -}}
{{- $_ := set $base.spec.selector "matchLabels" $sel -}}
{{- $_ := set $base.spec.template.metadata "labels" (merge (dict "app.kubernetes.io/component" "worker") $sel) -}}
{{- $container := first $base.spec.template.spec.containers -}}
{{- $_ := set $container "name" "backgroundtasks" -}}
{{- $_ := set $container "args" .Values.backgroundTasks.args -}}
{{- $_ := unset $container "ports" -}}
{{- $_ := unset $container "livenessProbe" -}}
{{- $_ := unset $container "readinessProbe" -}}
{{- $_ := unset $container "startupProbe" -}}
{{- $_ := unset $base.spec.template.spec "affinity" -}}
{{- toYaml $base -}}
{{- end -}}
