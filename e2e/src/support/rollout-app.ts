/**
 * The app the rollout suite and `bench:rollout` roll out: a ConfigMap `version` naming the
 * version (what kubectl reads to see which revision a cluster runs) and a Deployment `web` that
 * becomes Available under kube-controller-manager and KWOK, or, when `bad`, never schedules (a
 * nodeSelector no node has), so its progress deadline passes and it turns Degraded.
 */
export function rolloutAppFiles(version: string, options: { bad?: boolean; progressDeadlineSeconds?: number } = {}): Record<string, string> {
  return {
    'version.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: version\ndata:\n  version: "${version}"\n`,
    'web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  progressDeadlineSeconds: ${options.progressDeadlineSeconds ?? 8}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
      annotations: { version: "${version}" }
    spec:${options.bad ? '\n      nodeSelector: { nope: nope }' : ''}
      containers:
      - name: app
        image: registry.invalid/web:${version}
`,
  };
}
