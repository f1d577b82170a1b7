// Rendering: find bundles in a checkout, parse their fleet.yaml, render them (YAML, kustomize, Helm) to Kubernetes objects.
export { BundleError } from './bundle-error.js';
export { defaultBundleSpec, parseFleetYaml } from './fleet-yaml.js';
export type { BundleSpec, HelmSpec, IgnoreDifferenceSpec, LabelSelector, LabelSelectorRequirement, SyncPolicySpec, TargetCustomization } from './fleet-yaml.js';
export { bundleId, scanBundles } from './bundle-scan.js';
export type { ScannedBundle } from './bundle-scan.js';
export { parseManifests, renderBundle, variantKey } from './render.js';
export { MAX_BUNDLE_BYTES, MAX_FILE_BYTES } from './checkout-files.js';
export { MAX_ALIAS_COUNT } from './yaml-docs.js';
export type { RenderedObject, RenderVariant } from './render.js';
export {
  helmReleaseName,
  KUBERNETES_VERSION_LABEL,
  mergeValues,
  PLAIN_HTTP_REGISTRIES_ENV,
  plainHttpRegistries,
  renderHelm,
  resolveHelmVariant,
  selectKubeVersion,
  templateValues,
  usesPlainHttp,
} from './helm.js';
export type { HelmDocument, HelmVariant, TemplateContext } from './helm.js';
