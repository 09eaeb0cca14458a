{{/*
Render a value that may contain template expressions.
The value can be a string or any structure (it is rendered as YAML first).
Usage: include "shop-common.tplvalues.render" (dict "value" .Values.path "context" $)
*/}}
{{- define "shop-common.tplvalues.render" -}}
{{- if typeIs "string" .value -}}
{{- tpl .value .context -}}
{{- else -}}
{{- tpl (.value | toYaml) .context -}}
{{- end -}}
{{- end -}}

{{/*
Merge the YAML produced by two named templates: the first (overrides) wins.
Usage: include "shop-common.util.merge" (list $ "mychart.deployment" "shop-common.deployment")
*/}}
{{- define "shop-common.util.merge" -}}
{{- $top := first . -}}
{{- $overrides := fromYaml (include (index . 1) $top) | default (dict) -}}
{{- $base := fromYaml (include (index . 2) $top) | default (dict) -}}
{{- toYaml (mergeOverwrite $base $overrides) -}}
{{- end -}}
