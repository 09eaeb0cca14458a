{{- define "release.tplname" -}}
{{ .Template.Name }}
{{- end -}}
