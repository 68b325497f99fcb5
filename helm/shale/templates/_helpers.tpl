{{/* Chart name, truncated to fit DNS labels. */}}
{{- define "shale.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: release-chart, or the release name alone when it already contains the chart name.
     Kept at 40 characters so "<fullname>-node-<ordinal>" stays a valid node id and hostname. */}}
{{- define "shale.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "shale.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "shale.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels: never change between upgrades (StatefulSet and Deployment selectors are immutable). */}}
{{- define "shale.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shale.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shale.nodeName" -}}{{ include "shale.fullname" . }}-node{{- end -}}
{{- define "shale.nodeService" -}}{{ include "shale.fullname" . }}-node{{- end -}}
{{- define "shale.gatewayName" -}}{{ include "shale.fullname" . }}-gateway{{- end -}}
{{- define "shale.gatewayHost" -}}
{{- printf "%s.%s.svc.%s" (include "shale.gatewayName" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{- define "shale.secretName" -}}
{{- default (printf "%s-credentials" (include "shale.fullname" .)) .Values.credentials.existingSecret -}}
{{- end -}}

{{- define "shale.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* policy/v1 PodDisruptionBudget from Kubernetes 1.21, policy/v1beta1 before. */}}
{{- define "shale.pdbApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1" -}}policy/v1{{- else -}}policy/v1beta1{{- end -}}
{{- end -}}

{{/* The layout must form whole erasure sets; values.schema.json checks it too. */}}
{{- define "shale.checkLayout" -}}
{{- $set := add .Values.erasure.k .Values.erasure.m -}}
{{- if ne (mod (int .Values.nodes.replicas) (int $set)) 0 -}}
{{- fail (printf "nodes.replicas=%d is not a multiple of erasure.k+erasure.m=%d" (int .Values.nodes.replicas) (int $set)) -}}
{{- end -}}
{{- end -}}

{{/* The cluster config (docs/CONFIG.md), as JSON. */}}
{{- define "shale.clusterConfig" -}}
{{- include "shale.checkLayout" . -}}
{{- $nodes := list -}}
{{- $fn := include "shale.nodeName" . -}}
{{- $svc := include "shale.nodeService" . -}}
{{- range $i := until (int .Values.nodes.replicas) -}}
{{- $id := printf "%s-%d" $fn $i -}}
{{- $addr := printf "%s.%s.%s.svc.%s:%d" $id $svc $.Release.Namespace $.Values.clusterDomain (int $.Values.nodes.port) -}}
{{- $nodes = append $nodes (dict "id" $id "address" $addr "data_dir" "/data/shale") -}}
{{- end -}}
{{- $base := dict "cluster_id" (default (include "shale.fullname" .) .Values.clusterId) "nodes" $nodes "erasure" (dict "k" (int .Values.erasure.k) "m" (int .Values.erasure.m)) "cluster_secret_file" "/etc/shale/secret/cluster-secret" -}}
{{- mustMergeOverwrite $base (deepCopy .Values.config) | toPrettyJson -}}
{{- end -}}

{{- define "shale.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}
