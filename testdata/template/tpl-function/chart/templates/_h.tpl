{{- define "tplfn.helper" -}}helper of {{ .Chart.Name }}{{- end -}}
