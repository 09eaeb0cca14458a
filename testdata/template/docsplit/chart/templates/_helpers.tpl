{{- define "docsplit.name" -}}docsplit{{- end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: text-in-helpers-is-not-rendered
