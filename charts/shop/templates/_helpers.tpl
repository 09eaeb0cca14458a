{{/* Umbrella-level names, built on the shop-common library. */}}

{{/* Full name of the umbrella release: <release>-shop unless the release name contains "shop". */}}
{{- define "shop.fullname" -}}
{{- include "shop-common.fullname" . -}}
{{- end -}}

{{/* Public scheme. */}}
{{- define "shop.scheme" -}}
{{- ternary "https" "http" .Values.global.tls.enabled -}}
{{- end -}}

{{/* Service name of a (possibly aliased) subchart of this release. */}}
{{- define "shop.serviceName" -}}
{{- include "shop-common.componentName" (dict "context" .context "component" .component) -}}
{{- end -}}

{{/*
Ingress rules as a list of {host, paths}. Built in a dict so NOTES.txt and the Ingress
agree on the hosts.
*/}}
{{- define "shop.ingressRules" -}}
{{- $domain := .Values.global.domain -}}
{{- $rules := list -}}
{{- if (index .Values "webshop").enabled -}}
{{- $rules = append $rules (dict "host" $domain "path" "/" "service" "webshop") -}}
{{- end -}}
{{- if .Values.gateway.enabled -}}
{{- $rules = append $rules (dict "host" $domain "path" "/api" "service" "gateway") -}}
{{- end -}}
{{- if (index .Values "identity-api").enabled -}}
{{- $rules = append $rules (dict "host" (printf "identity.%s" $domain) "path" (.Values.identity.publicPath | default "/") "service" "identity-api") -}}
{{- end -}}
{{- range .Values.ingress.extraHosts -}}
{{- $rules = append $rules (dict "host" (tpl .host $) "path" (.path | default "/") "service" .service) -}}
{{- end -}}
{{- toJson (dict "rules" $rules) -}}
{{- end -}}
