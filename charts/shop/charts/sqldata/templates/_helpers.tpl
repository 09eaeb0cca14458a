{{/* Password: global.sql.password, required outside development. */}}
{{- define "sqldata.password" -}}
{{- $global := .Values.global | default dict -}}
{{- $pw := dig "sql" "password" "" $global -}}
{{- if and (not $pw) (ne ($global.environment | default "development") "development") -}}
{{- fail "global.sql.password must be set outside the development environment" -}}
{{- end -}}
{{- $pw | default "shop-dev-password" -}}
{{- end -}}

{{/* postgresql.conf lines, keys sorted. */}}
{{- define "sqldata.postgresqlConf" -}}
{{- $pg := .Values.postgresql -}}
listen_addresses = '*'
max_connections = {{ $pg.maxConnections | int }}
shared_buffers = {{ $pg.sharedBuffers }}
{{- range $k, $v := $pg.extraSettings }}
{{ $k }} = {{ $v }}
{{- end }}
{{- end -}}
