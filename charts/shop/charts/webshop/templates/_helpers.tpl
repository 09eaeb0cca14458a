{{/* Overrides merged over shop-common.deployment: mount the static settings. */}}
{{- define "webshop.deployment" -}}
spec:
  template:
    metadata:
      annotations:
        checksum/static: {{ include (print $.Template.BasePath "/static-configmap.yaml") . | sha256sum }}
    spec:
      volumes:
        - name: static
          configMap:
            name: {{ include "shop-common.fullname" . }}-static
{{- end -}}

{{/* appsettings.json of the storefront. */}}
{{- define "webshop.appsettings" -}}
{{- $urls := dict -}}
{{- range $k, $v := .Values.urls -}}
{{- $_ := set $urls $k (tpl $v $) -}}
{{- end -}}
{{- $enabled := list -}}
{{- range $k, $v := .Values.features -}}
{{- if $v }}{{ $enabled = append $enabled $k }}{{ end -}}
{{- end -}}
{{- $settings := dict "Urls" $urls "Features" $enabled "Environment" (.Values.global.environment | default "development") -}}
{{- toPrettyJson $settings -}}
{{- end -}}
