{{/*
A complete Deployment for a shop service. Services render it through
"shop-common.util.merge" so they can override any part with their own template.
Expects in .Values: image, service.targetPort, probes, env, replicaCount, autoscaling.
*/}}
{{- define "shop-common.deployment" -}}
{{- $fullname := include "shop-common.fullname" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "shop-common.labels" . | nindent 4 }}
spec:
  {{- if not (.Values.autoscaling | default dict).enabled }}
  replicas: {{ .Values.replicaCount | default 1 }}
  {{- end }}
  revisionHistoryLimit: {{ .Values.revisionHistoryLimit | default 3 }}
  selector:
    matchLabels:
      {{- include "shop-common.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "shop-common.selectorLabels" . | nindent 8 }}
        app.kubernetes.io/component: {{ .Values.component | default "service" }}
      annotations:
        {{- include "shop-common.podAnnotations" (dict "context" . "checksums" (list "configmap.yaml" "secret.yaml")) | nindent 8 }}
    spec:
      serviceAccountName: {{ include "shop-common.serviceAccountName" . }}
      {{- with include "shop-common.imagePullSecrets" . }}
      {{- . | nindent 6 }}
      {{- end }}
      securityContext:
        {{- include "shop-common.podSecurityContext" . | nindent 8 }}
      containers:
        - name: {{ include "shop-common.name" . }}
          image: {{ include "shop-common.image" (dict "image" .Values.image "context" .) | quote }}
          imagePullPolicy: {{ include "shop-common.imagePullPolicy" (dict "image" .Values.image "context" .) }}
          ports:
            - name: http
              containerPort: {{ .Values.service.targetPort | default 8080 }}
              protocol: TCP
            {{- with .Values.service.grpcPort }}
            - name: grpc
              containerPort: {{ . }}
              protocol: TCP
            {{- end }}
          env:
            {{- include "shop-common.env" . | nindent 12 }}
          envFrom:
            {{- include "shop-common.envFrom" . | nindent 12 }}
          {{- include "shop-common.probes" (dict "probes" .Values.probes "port" "http") | nindent 10 }}
          resources:
            {{- include "shop-common.resources" . | nindent 12 }}
          securityContext:
            {{- include "shop-common.containerSecurityContext" . | nindent 12 }}
          {{- with .Values.extraVolumeMounts }}
          volumeMounts:
            {{- include "shop-common.tplvalues.render" (dict "value" . "context" $) | nindent 12 }}
          {{- end }}
      {{- with .Values.extraVolumes }}
      volumes:
        {{- include "shop-common.tplvalues.render" (dict "value" . "context" $) | nindent 8 }}
      {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "shop-common.selectorLabels" . | nindent 20 }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
