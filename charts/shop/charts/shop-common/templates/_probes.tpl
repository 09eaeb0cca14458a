{{/*
One probe. HTTP when .probe.path is set, otherwise TCP on the named port.
Usage: include "shop-common.probe" (dict "probe" .Values.probes.liveness "port" "http")
*/}}
{{- define "shop-common.probe" -}}
{{- $p := .probe -}}
{{- if $p.path -}}
httpGet:
  path: {{ $p.path }}
  port: {{ $p.port | default .port }}
  {{- with $p.scheme }}
  scheme: {{ . | upper }}
  {{- end }}
{{- else if $p.exec -}}
exec:
  command:
    {{- toYaml $p.exec | nindent 4 }}
{{- else -}}
tcpSocket:
  port: {{ $p.port | default .port }}
{{- end }}
initialDelaySeconds: {{ $p.initialDelaySeconds | default 5 }}
periodSeconds: {{ $p.periodSeconds | default 10 }}
timeoutSeconds: {{ $p.timeoutSeconds | default 3 }}
failureThreshold: {{ $p.failureThreshold | default 3 }}
{{- if $p.successThreshold }}
successThreshold: {{ $p.successThreshold }}
{{- end }}
{{- end -}}

{{/*
All probes of a container, from .Values.probes (liveness, readiness, startup).
Probes with enabled: false are skipped.
Usage: include "shop-common.probes" (dict "probes" .Values.probes "port" "http")
*/}}
{{- define "shop-common.probes" -}}
{{- $port := .port -}}
{{- range $kind := list "liveness" "readiness" "startup" }}
{{- $probe := get $.probes $kind }}
{{- if and $probe (ne (toString $probe.enabled) "false") }}
{{ $kind }}Probe:
  {{- include "shop-common.probe" (dict "probe" $probe "port" $port) | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}
