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

{{/*
The `config` value as a map. It is given as a map, or as a string holding the server's
YAML (a user's existing file: --set-file config=metrics-accumulator.yml). Checks what
the chart can: the server checks the rest when it starts.
*/}}
{{- define "metrics-accumulator.configValue" -}}
{{- $config := .Values.config }}
{{- if kindIs "string" $config }}
{{- $config = fromYaml $config }}
{{- if hasKey $config "Error" }}
{{- fail (printf "config: the string is not a YAML map the server can read: %s" $config.Error) }}
{{- end }}
{{- end }}
{{- range $key, $_ := $config }}
{{- if not (has $key (list "global" "metricGroups")) }}
{{- fail (printf "config.%s: unknown key; the server's file has only global and metricGroups" $key) }}
{{- end }}
{{- end }}
{{- if not (or (kindIs "map" $config.global) (kindIs "invalid" $config.global)) }}
{{- fail "config.global must be a map" }}
{{- end }}
{{- if not (and (kindIs "map" $config.metricGroups) $config.metricGroups) }}
{{- fail "config.metricGroups: the server needs at least one metric group" }}
{{- end }}
{{- range $name, $group := $config.metricGroups }}
{{- if not (regexMatch "^[-a-zA-Z0-9_]+$" $name) }}
{{- fail (printf "config.metricGroups.%s: a group name is letters, digits, '-' and '_'" $name) }}
{{- end }}
{{- if not (or (kindIs "map" $group) (kindIs "invalid" $group)) }}
{{- fail (printf "config.metricGroups.%s must be a map" $name) }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
API keys written in `config` (an upstream file keeps them there), as entries of the key
Secret: "<group>", "<group>.read", "admin-api-key". They go to the Secret, never to the
ConfigMap. A "${VAR}" reference names an environment variable, is no key, and stays.
*/}}
{{- define "metrics-accumulator.configKeys" -}}
{{- $config := include "metrics-accumulator.configValue" . | fromYaml }}
{{- $keys := dict }}
{{- if kindIs "map" $config.global }}
{{- with $config.global.adminApiKey }}
{{- if not (regexMatch "^[$][{][^}]*[}]$" (toString .)) }}
{{- $_ := set $keys "admin-api-key" (toString .) }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $group := $config.metricGroups }}
{{- if kindIs "map" $group }}
{{- with $group.apiKey }}
{{- if not (regexMatch "^[$][{][^}]*[}]$" (toString .)) }}
{{- $_ := set $keys $name (toString .) }}
{{- end }}
{{- end }}
{{- with $group.readApiKey }}
{{- if not (regexMatch "^[$][{][^}]*[}]$" (toString .)) }}
{{- $_ := set $keys (printf "%s.read" $name) (toString .) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $keys }}
{{- end }}

{{/* Every entry of the key Secret the chart makes: keys from `config`, then `apiKeys`. */}}
{{- define "metrics-accumulator.keyEntries" -}}
{{- $keys := include "metrics-accumulator.configKeys" . | fromYaml }}
{{- with .Values.apiKeys.admin }}
{{- $_ := set $keys "admin-api-key" . }}
{{- end }}
{{- range $group, $key := .Values.apiKeys.groups }}
{{- $_ := set $keys $group $key }}
{{- end }}
{{- toYaml $keys }}
{{- end }}

{{/* The Secret holding API keys, if there is one. */}}
{{- define "metrics-accumulator.keySecretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if (include "metrics-accumulator.keyEntries" . | fromYaml) }}
{{- printf "%s-keys" (include "metrics-accumulator.fullname" .) }}
{{- end }}
{{- end }}

{{- define "metrics-accumulator.claimName" -}}
{{- default (printf "%s-data" (include "metrics-accumulator.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/*
The configuration file: the `config` value without the keys that went to the Secret,
with hostAddress defaulted to the Service.
*/}}
{{- define "metrics-accumulator.configYaml" -}}
{{- $config := include "metrics-accumulator.configValue" . | fromYaml }}
{{- $moved := include "metrics-accumulator.configKeys" . | fromYaml }}
{{- $global := default dict $config.global }}
{{- if hasKey $moved "admin-api-key" }}
{{- $_ := unset $global "adminApiKey" }}
{{- end }}
{{- if not $global.hostAddress }}
{{- $_ := set $global "hostAddress" (printf "%s:%v" (include "metrics-accumulator.fullname" .) .Values.service.port) }}
{{- end }}
{{- if include "metrics-accumulator.redisUrl" . }}
{{- $redis := dict "url" (include "metrics-accumulator.redisUrl" .) "keyPrefix" .Values.redis.keyPrefix }}
{{- if .Values.redis.existingSecret }}
{{- $_ := set $redis "password" "${MA_REDIS_PASSWORD}" }}
{{- end }}
{{- if .Values.redis.tls.caSecret }}
{{- $_ := set $redis "caFile" "/etc/metrics-accumulator/redis-tls/ca.crt" }}
{{- end }}
{{- $_ := set $global "redis" $redis }}
{{- end }}
{{- $_ := set $config "global" $global }}
{{- range $name, $group := $config.metricGroups }}
{{- if hasKey $moved $name }}
{{- $_ := unset $group "apiKey" }}
{{- end }}
{{- if hasKey $moved (printf "%s.read" $name) }}
{{- $_ := unset $group "readApiKey" }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
Refuses combinations that would split or lose data without saying so.
*/}}
{{- define "metrics-accumulator.validate" -}}
{{- $shared := include "metrics-accumulator.redisUrl" . }}
{{- if and .Values.redis.url .Values.redis.deploy }}
{{- fail "set either redis.url (a Redis you run) or redis.deploy (one the chart runs), not both." }}
{{- end }}
{{- if and $shared .Values.persistence.enabled }}
{{- fail "persistence.enabled with redis: with shared state Redis is the durable state and the server refuses a data directory; set persistence.enabled=false." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not $shared) }}
{{- fail "autoscaling.enabled without redis: each replica would keep only the pushes it received, and a replica removed on scale-down would take its counts with it. Set redis.url (or redis.deploy) so every replica shares one state, or keep autoscaling.enabled=false and replicaCount=1." }}
{{- end }}
{{- if and .Values.persistence.enabled (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "replicaCount=%v with persistence.enabled: one data directory cannot be shared by several servers (a ReadWriteOnce volume attaches to one pod; on a shared volume the second server refuses the locked directory), and separate volumes would split the counts. Use replicaCount=1." .Values.replicaCount) }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.serviceMonitor.enabled) (not $shared) }}
{{- fail (printf "replicaCount=%v without serviceMonitor.enabled: each replica holds only the pushes it received, so a Prometheus that scrapes the Service sees a different share on each scrape. Set redis.url (or redis.deploy) so every replica shares one state, use replicaCount=1, or enable serviceMonitor so every pod is scraped and sum() adds the shares up." .Values.replicaCount) }}
{{- end }}
{{- if and .Values.persistence.enabled (eq .Values.persistence.accessMode "ReadOnlyMany") }}
{{- fail "persistence.accessMode=ReadOnlyMany: the data directory must be writable; use ReadWriteOnce." }}
{{- end }}
{{- if and .Values.existingSecret (or .Values.apiKeys.admin .Values.apiKeys.groups) }}
{{- fail "set either existingSecret or apiKeys, not both: the keys would come from existingSecret and apiKeys would be ignored." }}
{{- end }}
{{- $configKeys := include "metrics-accumulator.configKeys" . | fromYaml }}
{{- if and .Values.existingSecret $configKeys }}
{{- fail (printf "config holds API keys (%s) and existingSecret is set: the server would read its keys from existingSecret only. Put them in that Secret and remove them from config." (keys $configKeys | sortAlpha | join ", ")) }}
{{- end }}
{{- range $entry, $key := $configKeys }}
{{- $given := ternary $.Values.apiKeys.admin (get $.Values.apiKeys.groups $entry) (eq $entry "admin-api-key") }}
{{- if and $given (ne $given $key) }}
{{- fail (printf "the API key %q is set in both config and apiKeys, differently; set it in one place." $entry) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The Redis the replicas share: redis.url, or the chart's own with redis.deploy; empty
without shared state.
*/}}
{{- define "metrics-accumulator.redisUrl" -}}
{{- if .Values.redis.url }}
{{- .Values.redis.url }}
{{- else if .Values.redis.deploy }}
{{- printf "redis://%s-redis:6379" (include "metrics-accumulator.fullname" .) }}
{{- end }}
{{- end }}
