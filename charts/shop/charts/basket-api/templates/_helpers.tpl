{{/* basket-api needs no structural overrides; only a pod annotation naming its store. */}}
{{- define "basket-api.deployment" -}}
spec:
  template:
    metadata:
      annotations:
        shop.example.com/store: {{ include "shop-common.redisHost" . }}
{{- end -}}
