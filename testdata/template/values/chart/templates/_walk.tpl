{{- define "walk" -}}
{{- $v := .v -}}
{{- if kindIs "map" $v -}}
{{- range $k, $e := $v }}
{{- template "walk" (dict "v" $e "p" (printf "%s.%s" $.p $k)) }}
{{- end -}}
{{- else if kindIs "slice" $v -}}
{{- range $i, $e := $v }}
{{- template "walk" (dict "v" $e "p" (printf "%s[%d]" $.p $i)) }}
{{- end -}}
{{- else }}
    {{ .p }} {{ printf "%T" $v }} {{ printf "%v" $v | replace "\n" "\\n" }}
{{- end -}}
{{- end -}}
