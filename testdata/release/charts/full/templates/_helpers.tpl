{{- define "full.name" -}}{{ .Release.Name }}-full{{- end -}}
