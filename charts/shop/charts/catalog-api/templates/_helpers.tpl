{{/* Overrides merged over shop-common.deployment. */}}
{{- define "catalog-api.deployment" -}}
metadata:
  annotations:
    shop.example.com/owner: catalog-team
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 45
      priorityClassName: {{ .Values.priorityClassName | default "shop-standard" }}
{{- end -}}

{{/* Name of a CatalogSource object. */}}
{{- define "catalog-api.sourceName" -}}
{{- printf "%s-%s" (include "shop-common.fullname" .context) .source.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
