{{/* The chart's name, overridable. */}}
{{- define "portcullis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart, unless the release name already contains the chart name. */}}
{{- define "portcullis.fullname" -}}
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

{{- define "portcullis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: what Services, the PDB, NetworkPolicy and the Deployment's selector match on.
They must never change between upgrades (a Deployment's selector is immutable), so no version here.
*/}}
{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object: the selector labels plus what changes with each release. */}}
{{- define "portcullis.labels" -}}
helm.sh/chart: {{ include "portcullis.chart" . }}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: portcullis
{{- end }}

{{- define "portcullis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "portcullis.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "portcullis.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The environment variable that carries backend $index's upstream API key into the config file. */}}
{{- define "portcullis.backendKeyEnv" -}}
{{- printf "PORTCULLIS_BACKEND_%d_API_KEY" . }}
{{- end }}

{{/*
The gateway's configuration file (spring.config.additional-location). No secret is ever written
here: secrets arrive as environment variables from existing Secrets, referenced by placeholder.
*/}}
{{- define "portcullis.applicationYaml" -}}
server:
  port: {{ .Values.ports.http }}
  shutdown: graceful
spring:
  lifecycle:
    # How long in-flight requests and streams may take to finish once the pod is told to stop.
    timeout-per-shutdown-phase: {{ .Values.shutdown.drainSeconds }}s
  datasource:
    url: {{ .Values.database.url | quote }}
    username: {{ .Values.database.username | quote }}
    hikari:
      maximum-pool-size: {{ .Values.database.maxPoolSize }}
management:
  server:
    port: {{ .Values.ports.management }}
gateway:
  {{- if .Values.ports.admin }}
  data-plane:
    # The admin API and console on their own port; the public port serves only the client API.
    control-plane-port: {{ .Values.ports.admin | int }}
  {{- end }}
  max-request-bytes: {{ .Values.gateway.maxRequestBytes }}
  max-upload-bytes: {{ .Values.gateway.maxUploadBytes }}
  # Only these peers may name the client in X-Forwarded-For; this also sets server.forward-headers-strategy.
  trusted-proxies: {{ .Values.gateway.trustedProxies | default list | toJson }}
  request-body:
    {{- with .Values.gateway.requestBody.budget }}
    budget: {{ . }}
    {{- end }}
    deadline: {{ .Values.gateway.requestBody.deadline }}
    reads-per-key: {{ .Values.gateway.requestBody.readsPerKey | int }}
  keys:
    cache-ttl: {{ .Values.gateway.keys.cacheTtl }}
  upstream:
    connect-timeout: {{ .Values.gateway.upstream.connectTimeout }}
    response-timeout: {{ .Values.gateway.upstream.responseTimeout }}
    idle-timeout: {{ .Values.gateway.upstream.idleTimeout }}
    allowed-hosts: {{ .Values.gateway.upstream.allowedHosts | toJson }}
    http2-hosts: {{ .Values.gateway.upstream.http2Hosts | toJson }}
  usage:
    queue-capacity: {{ .Values.gateway.usage.queueCapacity | int }}
    batch-size: {{ .Values.gateway.usage.batchSize | int }}
    flush-interval: {{ .Values.gateway.usage.flushInterval }}
    shutdown-timeout: {{ .Values.shutdown.usageFlushSeconds }}s
  metrics:
    teams: {{ .Values.gateway.metrics.teams | toJson }}
  audit:
    # With secrets.existingSecret the key comes from it (GATEWAY_AUDIT_KEY; a Secret without it stops
    # the start). Without one (a trial) a generated key is kept in the database: pods share no disk.
    generated-key-store: {{ if .Values.secrets.existingSecret }}file{{ else }}database{{ end }}
  backends:
  {{- range $i, $b := .Values.gateway.backends }}
    - name: {{ $b.name | quote }}
      type: {{ $b.type | default "openai" | quote }}
      base-url: {{ $b.baseUrl | quote }}
      models: {{ $b.models | default list | toJson }}
      {{- with $b.aliases }}
      aliases:
        {{- range $public, $upstream := . }}
        {{ printf "[%s]" $public | quote }}: {{ $upstream | quote }}
        {{- end }}
      {{- end }}
      weight: {{ $b.weight | default 1 | int }}
      priority: {{ $b.priority | default 0 | int }}
      {{- if $b.apiKeySecret }}
      api-key: {{ printf "${%s}" (include "portcullis.backendKeyEnv" $i) | quote }}
      {{- end }}
  {{- else }} []
  {{- end }}
{{- with .Values.extraConfig }}
---
# extraConfig from values: settings this chart does not name (yet)
{{ toYaml . }}
{{- end }}
{{- end }}
