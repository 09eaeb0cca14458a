{{- define "clean.name" -}}{{ .Chart.Name }}{{- end -}}
