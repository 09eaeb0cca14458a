{{/*
Names: chart name, fully qualified app name, chart label and the names of the
well-known services other charts talk to.
*/}}

{{/* Chart name, honouring nameOverride. */}}
{{- define "shop-common.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name: <release>-<chart>, truncated to 63 characters (DNS label limit).
If the release name already contains the chart name it is used as is.
*/}}
{{- define "shop-common.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* name-version, as used by the helm.sh/chart label. */}}
{{- define "shop-common.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of a sibling component of the same release.
Usage: include "shop-common.componentName" (dict "context" $ "component" "sqldata")
*/}}
{{- define "shop-common.componentName" -}}
{{- printf "%s-%s" .context.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
In-cluster DNS name of a sibling component.
Usage: include "shop-common.componentHost" (dict "context" $ "component" "basketdata")
*/}}
{{- define "shop-common.componentHost" -}}
{{- $name := include "shop-common.componentName" . -}}
{{- $domain := dig "clusterDomain" "cluster.local" .context.Values.global -}}
{{- printf "%s.%s.svc.%s" $name .context.Release.Namespace $domain -}}
{{- end -}}

{{/* Service account used by every pod of the release. */}}
{{- define "shop-common.serviceAccountName" -}}
{{- $global := .Values.global | default dict -}}
{{- coalesce $global.serviceAccountName (printf "%s-services" .Release.Name) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
