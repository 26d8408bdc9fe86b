{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "bulwark.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, prefixed to the chart name unless it already contains it. */}}
{{- define "bulwark.fullname" -}}
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

{{- define "bulwark.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bulwark.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bulwark.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "bulwark.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: admission-webhook
{{- end }}

{{- define "bulwark.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bulwark.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "bulwark.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "bulwark.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "bulwark.fullname" .)) .Values.certs.existingSecret }}
{{- end }}

{{- define "bulwark.policyConfigMap" -}}
{{- default (printf "%s-policy" (include "bulwark.fullname" .)) .Values.policy.existingConfigMap }}
{{- end }}

{{/*
The namespaceSelector of both webhooks: never the namespaces the cluster needs to recover (kube-system,
kube-public) nor the webhook's own, so a broken webhook cannot block its own repair; `bulwark serve
--self-check` checks the same rules.
*/}}
{{- define "bulwark.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        - kube-system
        - kube-public
        - {{ .Release.Namespace }}
        {{- range .Values.webhook.excludedNamespaces }}
        - {{ . }}
        {{- end }}
    {{- with .Values.webhook.ignoreLabel }}
    - key: {{ . }}
      operator: DoesNotExist
    {{- end }}
{{- end }}

{{/*
Pods and every pod controller: the pod template is judged, so a bad Deployment is refused at once.
pods/ephemeralcontainers is the subresource `kubectl debug` adds containers through (the review carries the Pod).
*/}}
{{- define "bulwark.workloadRules" -}}
- apiGroups: [""]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers"]
  scope: Namespaced
- apiGroups: ["apps"]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
  scope: Namespaced
- apiGroups: ["batch"]
  apiVersions: ["v1"]
  operations: ["CREATE", "UPDATE"]
  resources: ["jobs", "cronjobs"]
  scope: Namespaced
{{- end }}

{{- define "bulwark.webhookAnnotations" -}}
{{- $ann := deepCopy (default (dict) .Values.webhook.annotations) }}
{{- if .Values.certManager.enabled }}
{{- $_ := set $ann "cert-manager.io/inject-ca-from" (printf "%s/%s" .Release.Namespace (include "bulwark.fullname" .)) }}
{{- end }}
{{- with $ann }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Refuses a webhook timeout that does not leave the server's deadline 1 s to answer in (the rule `bulwark serve
--self-check` checks): the API server would give up first and apply failurePolicy instead of the decision.
*/}}
{{- define "bulwark.checkTimeouts" -}}
{{- $d := toString .Values.server.deadline }}
{{- $ms := 0 }}
{{- if hasSuffix "ms" $d }}
{{- $ms = trimSuffix "ms" $d | int }}
{{- else if hasSuffix "s" $d }}
{{- $ms = mul (trimSuffix "s" $d | int) 1000 }}
{{- else if hasSuffix "m" $d }}
{{- $ms = mul (trimSuffix "m" $d | int) 60000 }}
{{- end }}
{{- $timeouts := dict "webhook.timeoutSeconds" .Values.webhook.timeoutSeconds }}
{{- if .Values.mutatingWebhook.enabled }}
{{- $_ := set $timeouts "mutatingWebhook.timeoutSeconds" .Values.mutatingWebhook.timeoutSeconds }}
{{- end }}
{{- range $name, $t := $timeouts }}
{{- if lt (mul (int $t) 1000) (add $ms 1000) }}
{{- fail (printf "%s (%vs) must be at least server.deadline (%s) plus 1s" $name $t $d) }}
{{- end }}
{{- end }}
{{- end }}
