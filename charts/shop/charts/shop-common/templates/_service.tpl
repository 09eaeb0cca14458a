{{/* Service for a shop service: http, and grpc when service.grpcPort is set. */}}
{{- define "shop-common.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "shop-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "shop-common.labels" . | nindent 4 }}
  {{- with .Values.service.annotations }}
  annotations:
    {{- include "shop-common.tplvalues.render" (dict "value" . "context" $) | nindent 4 }}
  {{- end }}
spec:
  type: {{ .Values.service.type | default "ClusterIP" }}
  ports:
    - name: http
      port: {{ .Values.service.port | default 80 }}
      targetPort: http
      protocol: TCP
    {{- with .Values.service.grpcPort }}
    - name: grpc
      port: {{ . }}
      targetPort: grpc
      protocol: TCP
    {{- end }}
  {{- if and .Values.service.trafficDistribution (semverCompare ">=1.31-0" .Capabilities.KubeVersion.Version) }}
  trafficDistribution: {{ .Values.service.trafficDistribution }}
  {{- end }}
  selector:
    {{- include "shop-common.selectorLabels" . | nindent 4 }}
{{- end -}}
