{{/* Overrides merged over shop-common.deployment: nginx reads its config from the ConfigMap. */}}
{{- define "apigw.deployment" -}}
spec:
  template:
    metadata:
      annotations:
        checksum/nginx: {{ tpl (.Files.Get "files/nginx.conf") . | sha256sum }}
    spec:
      volumes:
        - name: nginx-conf
          configMap:
            name: {{ include "shop-common.fullname" . }}-nginx
        - name: tmp
          emptyDir: {}
{{- end -}}
