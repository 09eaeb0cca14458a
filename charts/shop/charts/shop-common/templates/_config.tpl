{{/*
ConfigMap with the service's non-secret settings (.Values.config, values rendered through tpl,
keys sorted) plus a few settings every service shares.
*/}}
{{- define "shop-common.configmap" -}}
{{- $global := .Values.global | default dict -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "shop-common.labels" . | nindent 4 }}
data:
  IdentityUrl: {{ include "shop-common.identityUrl" . | quote }}
  EventBusConnection: {{ include "shop-common.eventBusHost" . | quote }}
  UseEventBus: {{ dig "eventBus" "enabled" true $global | toString | quote }}
  {{- range $key, $value := .Values.config }}
  {{ $key }}: {{ tpl (toString $value) $ | quote }}
  {{- end }}
{{- end -}}

{{/*
Secret with the service's connection string and .Values.secrets. All values are
deterministic (derived from values only) so rendering is reproducible.
*/}}
{{- define "shop-common.secret" -}}
{{- $global := .Values.global | default dict -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "shop-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "shop-common.labels" . | nindent 4 }}
type: Opaque
data:
  {{- if .Values.connectionString }}
  ConnectionString: {{ include "shop-common.connectionString" . | b64enc | quote }}
  {{- end }}
  EventBusUserName: {{ dig "eventBus" "user" "guest" $global | b64enc | quote }}
  EventBusPassword: {{ dig "eventBus" "password" "guest" $global | b64enc | quote }}
  {{- range $key := keys (.Values.secrets | default dict) | sortAlpha }}
  {{ $key }}: {{ tpl (index $.Values.secrets $key | toString) $ | b64enc | quote }}
  {{- end }}
{{- end -}}

{{/*
HorizontalPodAutoscaler; the API version follows the cluster capabilities.
*/}}
{{- define "shop-common.hpa" -}}
{{- $as := .Values.autoscaling -}}
{{- if semverCompare ">=1.23-0" .Capabilities.KubeVersion.GitVersion }}
apiVersion: autoscaling/v2
{{- else }}
apiVersion: autoscaling/v2beta2
{{- end }}
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "shop-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "shop-common.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "shop-common.fullname" . }}
  minReplicas: {{ $as.minReplicas | default 1 }}
  maxReplicas: {{ $as.maxReplicas | default 5 }}
  metrics:
    {{- with $as.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with $as.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end -}}
