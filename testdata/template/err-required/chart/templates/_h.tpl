{{- define "req.inner" -}}
{{ required "inner value needed" .Values.inner }}
{{- end -}}
