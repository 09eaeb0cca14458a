{{- define "<CHARTNAME>.fullname" -}}{{ .Release.Name }}-<CHARTNAME>{{- end }}
