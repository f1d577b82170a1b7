/**
 * The pure bundle and targeting functions the pipeline calls (owned by hub/src/bundles and
 * hub/src/targeting), gathered behind one injection token so unit tests can replace them.
 */
import { bundleId, renderBundle, scanBundles, variantKey } from '../rendering/index.js';
import { resolveTargets } from '../targeting/index.js';

/** The functions of `bundles/` and `targeting/` the deployment pipeline uses. */
export interface BundleToolkit {
  scanBundles: typeof scanBundles;
  bundleId: typeof bundleId;
  renderBundle: typeof renderBundle;
  variantKey: typeof variantKey;
  resolveTargets: typeof resolveTargets;
}

/** Nest injection token of the `BundleToolkit`. */
export const BUNDLE_TOOLKIT = Symbol('BUNDLE_TOOLKIT');

/** The real implementations. */
export const defaultBundleToolkit: BundleToolkit = { scanBundles, bundleId, renderBundle, variantKey, resolveTargets };
