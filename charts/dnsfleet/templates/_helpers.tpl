{{/* Names and labels shared by the templates. */}}

{{- define "dnsfleet.fullname" -}}
{{- if contains "dnsfleet" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-dnsfleet" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end }}

{{- define "dnsfleet.labels" -}}
app.kubernetes.io/name: dnsfleet
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "dnsfleet.selector" -}}
app.kubernetes.io/name: dnsfleet
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dnsfleet.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end }}

{{/* The Secret holding the Redis URL the operator and the dataplane pods use, and its key. */}}
{{- define "dnsfleet.redisSecret" -}}
{{- if .Values.redis.bundled -}}
{{- default (printf "%s-redis" (include "dnsfleet.fullname" .)) .Values.redis.existingSecret -}}
{{- else -}}
{{- .Values.redis.external.existingSecret -}}
{{- end -}}
{{- end }}

{{- define "dnsfleet.redisSecretKey" -}}
{{- if .Values.redis.bundled -}}url{{- else -}}{{ .Values.redis.external.key }}{{- end -}}
{{- end }}

{{/* The restricted Pod Security Standard, for every container of the chart. */}}
{{- define "dnsfleet.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: { drop: [ALL] }
{{- end }}
