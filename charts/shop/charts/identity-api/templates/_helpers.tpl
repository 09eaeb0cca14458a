{{/* Overrides merged over shop-common.deployment. */}}
{{- define "identity-api.deployment" -}}
spec:
  template:
    metadata:
      annotations:
        checksum/clients: {{ toJson .Values.clients | sha256sum | trunc 16 }}
{{- end -}}

{{/* clients.json consumed by the identity server: redirect URLs rendered with tpl, lists sorted. */}}
{{- define "identity-api.clientsJson" -}}
{{- $clients := list -}}
{{- range $id := keys .Values.clients | sortAlpha -}}
{{- $c := index $.Values.clients $id -}}
{{- $clients = append $clients (dict "clientId" $id "redirectUri" (tpl $c.redirect $) "allowedScopes" (sortAlpha $c.scopes)) -}}
{{- end -}}
{{- toPrettyJson (dict "clients" $clients "issuer" (include "shop-common.identityUrl" .)) -}}
{{- end -}}
