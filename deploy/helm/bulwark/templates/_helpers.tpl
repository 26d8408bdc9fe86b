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

{{/* The labels of the objects that are not the server's (the store), without its selector labels. */}}
{{- define "bulwark.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: {{ include "bulwark.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
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

{{/* The store back end: "" (no run stage), sqlite, postgres (the chart's StatefulSet) or external (a Secret). */}}
{{- define "bulwark.storeKind" -}}
{{- if .Values.store.enabled }}
{{- if .Values.store.postgres.enabled }}postgres
{{- else if .Values.store.existingSecret }}external
{{- else }}sqlite
{{- end }}
{{- end }}
{{- end }}

{{/* The Secret and key holding the PostgreSQL URL (postgres and external stores). */}}
{{- define "bulwark.storeSecretName" -}}
{{- if .Values.store.existingSecret }}{{ .Values.store.existingSecret }}
{{- else }}{{ include "bulwark.fullname" . }}-postgres
{{- end }}
{{- end }}

{{- define "bulwark.storeSecretKey" -}}
{{- if .Values.store.existingSecret }}{{ .Values.store.existingSecretKey }}
{{- else }}url
{{- end }}
{{- end }}

{{/* The Kubernetes watch (placements and risk context of every namespace) runs: its ClusterRole and token. */}}
{{- define "bulwark.inventory" -}}
{{- if or .Values.rbac.inventory (and .Values.store.enabled .Values.store.watchCluster) }}true{{ end }}
{{- end }}

{{/* Where a team's policyConfigMap is mounted: the `policy:` the config file gives for it. */}}
{{- define "bulwark.teamPolicyDir" -}}
/etc/bulwark/teams/{{ . }}
{{- end }}

{{/*
Refuses team values the server could not honour or the webhook would not see, with the entry named:
duplicate team names or namespace patterns, a namespace (or glob) matching one the webhook never sends
(kube-system, kube-public, the release namespace, webhook.excludedNamespaces, server.exemptNamespaces), tokens
without the API (store.enabled, api.tokensSecret). Names, patterns and the policy/policyConfigMap choice are
checked by values.schema.json first. Overlapping globs of two teams are the server's config error.
*/}}
{{- define "bulwark.checkTeams" -}}
{{- $names := dict }}
{{- $patterns := dict }}
{{- $never := concat (list "kube-system" "kube-public" .Release.Namespace) .Values.webhook.excludedNamespaces .Values.server.exemptNamespaces }}
{{- range $i, $t := .Values.teams }}
{{- $at := printf "teams[%d] (%s)" $i $t.name }}
{{- if hasKey $names $t.name }}
{{- fail (printf "%s: the team name %q is used twice" $at $t.name) }}
{{- end }}
{{- $_ := set $names $t.name true }}
{{- if and $t.policy $t.policyConfigMap }}
{{- fail (printf "%s: give policy or policyConfigMap, not both" $at) }}
{{- end }}
{{- if not (or $t.policy $t.policyConfigMap) }}
{{- fail (printf "%s: give policy (a bundle source) or policyConfigMap (a ConfigMap of bundle files)" $at) }}
{{- end }}
{{- range $t.namespaces }}
{{- $p := . }}
{{- if hasKey $patterns $p }}
{{- fail (printf "%s: namespace %q is already %s's" $at $p (get $patterns $p)) }}
{{- end }}
{{- $_ := set $patterns $p $t.name }}
{{- $re := printf "^%s$" (regexQuoteMeta $p | replace "\\*" ".*" | replace "\\?" ".") }}
{{- range $never }}
{{- if regexMatch $re . }}
{{- fail (printf "%s: namespace %q matches %q, which the webhook never judges (exempt or excluded): the team would not be covered" $at $p .) }}
{{- end }}
{{- end }}
{{- end }}
{{- if $t.tokens }}
{{- if not $.Values.store.enabled }}
{{- fail (printf "%s: tokens need the REST API where reports are pushed: set store.enabled=true" $at) }}
{{- end }}
{{- if not $.Values.api.tokensSecret }}
{{- fail (printf "%s: tokens name entries of the --api-tokens file: set api.tokensSecret" $at) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The `teams:` of the `bulwark serve` config file, in the team config contract's shape. */}}
{{- define "bulwark.teamsConfig" -}}
{{- $teams := list }}
{{- range .Values.teams }}
{{- $policy := .policy }}
{{- if .policyConfigMap }}
{{- $policy = include "bulwark.teamPolicyDir" .name }}
{{- end }}
{{- $t := dict "name" .name "namespaces" .namespaces "policy" $policy "tokens" (default (list) .tokens) }}
{{- if .owners }}
{{- $_ := set $t "owners" .owners }}
{{- end }}
{{- $teams = append $teams $t }}
{{- end }}
{{- toYaml (dict "teams" $teams) }}
{{- end }}

{{/* Refuses store values the server cannot run with. */}}
{{- define "bulwark.checkStore" -}}
{{- if .Values.store.enabled }}
{{- if and .Values.store.postgres.enabled .Values.store.existingSecret }}
{{- fail "store: give store.postgres.enabled (a PostgreSQL rendered here) or store.existingSecret (yours), not both" }}
{{- end }}
{{- if and (eq (include "bulwark.storeKind" .) "sqlite") (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "store: SQLite is one server's file, but replicaCount is %v: set replicaCount=1, or store.postgres.enabled=true, or store.existingSecret (a PostgreSQL URL) for several replicas" .Values.replicaCount) }}
{{- end }}
{{- end }}
{{- end }}
