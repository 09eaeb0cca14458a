{{/* Erlang cookie: derived from the release, so rendering stays reproducible. */}}
{{- define "rabbitmq.erlangCookie" -}}
{{- printf "%s/%s/erlang-cookie" .Release.Namespace .Release.Name | sha256sum | trunc 32 | upper -}}
{{- end -}}
