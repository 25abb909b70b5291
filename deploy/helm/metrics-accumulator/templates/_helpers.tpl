{{/* Names and labels, as `helm create` makes them, so the seed's kubectl commands work. */}}
{{- define "metrics-accumulator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "metrics-accumulator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "metrics-accumulator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "metrics-accumulator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "metrics-accumulator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "metrics-accumulator.labels" -}}
helm.sh/chart: {{ include "metrics-accumulator.chart" . }}
{{ include "metrics-accumulator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "metrics-accumulator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "metrics-accumulator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding API keys, if there is one. */}}
{{- define "metrics-accumulator.keySecretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if or .Values.apiKeys.admin .Values.apiKeys.groups }}
{{- printf "%s-keys" (include "metrics-accumulator.fullname" .) }}
{{- end }}
{{- end }}

{{- define "metrics-accumulator.claimName" -}}
{{- default (printf "%s-data" (include "metrics-accumulator.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* The configuration file: the `config` value, with hostAddress defaulted to the Service. */}}
{{- define "metrics-accumulator.configYaml" -}}
{{- $config := deepCopy .Values.config }}
{{- $global := default dict $config.global }}
{{- if not $global.hostAddress }}
{{- $_ := set $global "hostAddress" (printf "%s:%v" (include "metrics-accumulator.fullname" .) .Values.service.port) }}
{{- end }}
{{- $_ := set $config "global" $global }}
{{- toYaml $config }}
{{- end }}

{{/*
Refuses combinations that would split or lose data without saying so.
*/}}
{{- define "metrics-accumulator.validate" -}}
{{- if .Values.autoscaling.enabled }}
{{- fail "autoscaling.enabled: an accumulator cannot be scaled by load. Each replica keeps only the pushes it received, the Service spreads pushes and scrapes across replicas, and a replica removed on scale-down takes its counts with it. Keep autoscaling.enabled=false and replicaCount=1; give it more resources, or run one release per set of metric groups." }}
{{- end }}
{{- if and .Values.persistence.enabled (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "replicaCount=%v with persistence.enabled: one data directory cannot be shared by several servers (a ReadWriteOnce volume attaches to one pod; on a shared volume the second server refuses the locked directory), and separate volumes would split the counts. Use replicaCount=1." .Values.replicaCount) }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.serviceMonitor.enabled) }}
{{- fail (printf "replicaCount=%v without serviceMonitor.enabled: each replica holds only the pushes it received, so a Prometheus that scrapes the Service sees a different share on each scrape. Use replicaCount=1, or enable serviceMonitor so every pod is scraped and sum() adds the shares up." .Values.replicaCount) }}
{{- end }}
{{- if and .Values.persistence.enabled (eq .Values.persistence.accessMode "ReadOnlyMany") }}
{{- fail "persistence.accessMode=ReadOnlyMany: the data directory must be writable; use ReadWriteOnce." }}
{{- end }}
{{- if and .Values.existingSecret (or .Values.apiKeys.admin .Values.apiKeys.groups) }}
{{- fail "set either existingSecret or apiKeys, not both: the keys would come from existingSecret and apiKeys would be ignored." }}
{{- end }}
{{- range $name, $group := .Values.config.metricGroups }}
{{- if and (kindIs "map" $group) (hasKey $group "apiKey") }}
{{- fail (printf "config.metricGroups.%s.apiKey: keys do not belong in the ConfigMap; put it in apiKeys.groups.%s (or existingSecret)." $name $name) }}
{{- end }}
{{- end }}
{{- if and (kindIs "map" .Values.config.global) (hasKey .Values.config.global "adminApiKey") }}
{{- fail "config.global.adminApiKey: keys do not belong in the ConfigMap; put it in apiKeys.admin (or existingSecret)." }}
{{- end }}
{{- end }}
