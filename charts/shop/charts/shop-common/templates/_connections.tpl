{{/*
Hosts of the shared data stores. global.<store>.host wins; otherwise the in-cluster
service of the corresponding subchart of this release.
*/}}
{{- define "shop-common.sqlHost" -}}
{{- $host := dig "sql" "host" "" (.Values.global | default dict) -}}
{{- $host | default (include "shop-common.componentHost" (dict "context" . "component" "sqldata")) -}}
{{- end -}}

{{- define "shop-common.redisHost" -}}
{{- $host := dig "redis" "host" "" (.Values.global | default dict) -}}
{{- $host | default (include "shop-common.componentHost" (dict "context" . "component" "basketdata")) -}}
{{- end -}}

{{- define "shop-common.eventBusHost" -}}
{{- $host := dig "eventBus" "host" "" (.Values.global | default dict) -}}
{{- $host | default (include "shop-common.componentHost" (dict "context" . "component" "rabbitmq")) -}}
{{- end -}}

{{- define "shop-common.identityUrl" -}}
{{- $global := .Values.global | default dict -}}
{{- $scheme := ternary "https" "http" (dig "tls" "enabled" false $global) -}}
{{- printf "%s://identity.%s" $scheme ($global.domain | default "localhost") -}}
{{- end -}}

{{/*
The service's connection string: .Values.connectionString rendered with tpl,
so it can use the helpers above and any value.
*/}}
{{- define "shop-common.connectionString" -}}
{{- tpl (required "connectionString is required" .Values.connectionString) . -}}
{{- end -}}
